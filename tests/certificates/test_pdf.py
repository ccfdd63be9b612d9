"""The certificate PDF: QR code to the verification URL, escaping, Urdu names, the benchmark."""

import logging
import shutil
import subprocess
from dataclasses import replace

import arabic_reshaper
import pytest
import segno

from lms.certificates import pdf
from lms.certificates.pdf import render_certificate, render_plain_page, sample_data

URDU_NAME = "زینب خان"
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
    reason="needs poppler-utils (pdftotext, pdftoppm): apt-get install poppler-utils")
needs_zbar = pytest.mark.skipif(
    not shutil.which("zbarimg"), reason="needs zbarimg: apt-get install zbar-tools")
needs_noto = pytest.mark.skipif(
    not __import__("os").path.isfile(pdf.DEFAULT_URDU_FONT),
    reason="needs Noto Naskh Arabic: apt-get install fonts-noto-core")


def run(tool: str, *args: str) -> str:
    """Run a poppler or zbar tool (by its full path) and return its standard output."""
    exe = shutil.which(tool)
    assert exe, f"{tool} not installed"
    return subprocess.run([exe, *args], capture_output=True, text=True,  # noqa: S603
                          check=tool != "zbarimg").stdout


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    return run("pdftotext", "-layout", str(path), "-")


def test_a4_landscape_pdf():
    data = render_certificate(sample_data())
    assert data.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 841.8898 595.2756 ]" in data


@needs_poppler
@needs_zbar
def test_qr_code_decodes_to_the_verification_url(tmp_path):
    data = sample_data(code="KP-7K3M-Q9XA-2BHD-WR5T", public_url="https://lms.example.pk/")
    (tmp_path / "c.pdf").write_bytes(render_certificate(data))
    run("pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
        str(tmp_path / "c.pdf"), str(tmp_path / "page"))
    out = run("zbarimg", "--raw", "-q", str(tmp_path / "page.png"))
    assert out.strip() == "https://lms.example.pk/verify/KP-7K3M-Q9XA-2BHD-WR5T"


@needs_poppler
@needs_zbar
def test_plain_page_has_no_qr_code(tmp_path):
    (tmp_path / "c.pdf").write_bytes(render_plain_page(sample_data()))
    run("pdftoppm", "-png", "-r", "100", "-singlefile", str(tmp_path / "c.pdf"),
        str(tmp_path / "page"))
    assert run("zbarimg", "--raw", "-q", str(tmp_path / "page.png")).strip() == ""


def test_qr_rectangles_cover_exactly_the_dark_modules():
    matrix = segno.make("https://lms.example.pk/verify/KP-0000-0000-0000-0000", error="m",
                        mask=pdf.QR_MASK).matrix
    n = len(matrix)
    painted = set()
    for x, y, w, h in pdf.qr_rectangles(matrix):
        for col in range(x, x + w):
            for row_up in range(y, y + h):
                cell = (n - 1 - row_up, col)
                assert cell not in painted  # no overlaps
                painted.add(cell)
    dark = {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}
    assert painted == dark
    assert len(pdf.qr_rectangles(matrix)) < len(dark) / 2  # runs merged


def test_qr_is_one_filled_path():
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=pdf.PAGE, pageCompression=0, invariant=1)
    pdf._draw_qr(c, "https://lms.example.pk/verify/KP-0000-0000-0000-0000", 0, 0, 100)
    c.showPage()
    c.save()
    stream = buf.getvalue().split(b"stream", 1)[1].split(b"endstream", 1)[0]
    assert stream.count(b" re") > 50  # rectangles (merged runs of dark modules) ...
    assert stream.count(b"f*") == 2  # ... filled once: the white quiet zone, then ONE path
    assert b"Do" not in stream  # no form XObject (ReportLab's QR widget draws a drawing)


@needs_poppler
def test_user_text_is_escaped_not_markup(tmp_path):
    data = replace(sample_data(), holder_name="<font color=red>x</font>",
                   title="C & C++ <b>basics</b>", trainer_name="Tom <i>")
    text = pdf_text(render_certificate(data), tmp_path)
    assert "<font color=red>x</font>" in text
    assert "C & C++ <b>basics</b>" in text
    assert "Tom <i>" in text


@needs_poppler
@needs_noto
def test_urdu_name_is_shaped_in_noto_naskh(tmp_path):
    data = replace(sample_data(), holder_name=URDU_NAME)
    out = render_certificate(data, urdu_font=pdf.DEFAULT_URDU_FONT)
    assert b"NotoNaskhArabic" in out  # the font is embedded (subset)
    text = pdf_text(out, tmp_path)
    shaped = arabic_reshaper.reshape(URDU_NAME)  # joined presentation forms
    words = shaped.split()
    for word in words:  # each word printed as shaped glyphs, in either reading direction
        assert word in text or word[::-1] in text
    for ch in URDU_NAME.replace(" ", ""):
        assert ch not in text  # no unshaped (isolated, disconnected) letters


@needs_noto
def test_mixed_script_name_keeps_latin_letters_in_helvetica():
    markup = pdf.shape_markup("Zainab زینب", pdf.DEFAULT_URDU_FONT, "Helvetica-Bold")
    assert '<font face="Helvetica-Bold">Zainab' in markup or "Zainab</font>" in markup
    assert pdf.URDU_FONT_NAME in markup


def test_missing_urdu_font_falls_back_with_a_warning(caplog, tmp_path):
    missing = str(tmp_path / "no-such-font.ttf")
    with caplog.at_level(logging.WARNING, logger="lms.certificates"):
        out = render_certificate(replace(sample_data(), holder_name=URDU_NAME), urdu_font=missing)
    assert out.startswith(b"%PDF-")
    assert "Urdu font" in caplog.text and "no-such-font.ttf" in caplog.text
    assert pdf.shape_markup("<b>", missing) == "&lt;b&gt;"


def test_latin_names_do_not_load_the_urdu_font(tmp_path):
    assert pdf.shape_markup("Ali <Raza>", str(tmp_path / "absent.ttf")) == "Ali &lt;Raza&gt;"
    assert b"NotoNaskh" not in render_certificate(sample_data())


def test_pdf_cost_ratio_is_measured():
    ratio = pdf.pdf_cost_ratio(n=6)
    assert isinstance(ratio, float)
    assert 1.0 < ratio < 10  # goal <= 3 (see `make bench`); QR widget was ~45x
