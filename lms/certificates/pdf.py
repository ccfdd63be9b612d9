"""The certificate PDF: ReportLab, A4 landscape, a QR code drawn from segno's matrix as one path.

A certificate is rendered once, at issue; its bytes are stored and never rendered again.
User text (names, titles) is escaped before it reaches Paragraph markup, and names in Arabic
script (Urdu) are shaped (arabic-reshaper), reordered (python-bidi) and set in Noto Naskh Arabic.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from lms.certificates.rules import duration_text

log = logging.getLogger("lms.certificates")

DEFAULT_URDU_FONT = "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"
URDU_FONT_NAME = "NotoNaskhArabic"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
QR_MASK = 0  # a fixed mask: segno skips scoring all eight (about 4x faster)
PAGE = landscape(A4)
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
PROGRAMME = "Knowledge Park IT Training Programme"

INK = colors.HexColor("#1d2b3a")
ACCENT = colors.HexColor("#0b6e4f")
MUTED = colors.HexColor("#555f6b")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate (frozen at issue)."""

    code: str
    kind: str  # course | track
    holder_name: str
    title: str
    park_name: str
    hours: int
    starts_on: date | None
    ends_on: date | None
    trainer_name: str | None
    issued_on: date
    verify_url: str
    programme: str = PROGRAMME
    minutes: int | None = None  # minutes taught, when less than the course's hours

    credential_url: str | None = None  # the signed Open Badges 3.0 credential (issue 24)


def has_arabic_script(text: str) -> bool:
    """True if `text` has a character of the Arabic script (Urdu names)."""
    return bool(ARABIC_SCRIPT.search(text or ""))


@lru_cache(maxsize=4)
def _register_urdu_font(path: str) -> tuple[str, frozenset[int]] | None:
    """Register Noto Naskh Arabic once; return its name and the code points it covers."""
    if not path or not Path(path).is_file():
        log.warning("Urdu font %r not found: Urdu names fall back to %s and may not print "
                    "correctly (set LMS_URDU_FONT or install fonts-noto-core)", path, LATIN)
        return None
    try:
        font = TTFont(URDU_FONT_NAME, path)
    except Exception:  # a broken font file must not break issuing
        log.warning("Urdu font %r could not be loaded; falling back to %s", path, LATIN,
                    exc_info=True)
        return None
    pdfmetrics.registerFont(font)
    return URDU_FONT_NAME, frozenset(font.face.charToGlyph)


def shape_markup(text: str, urdu_font: str | None, latin_font: str = LATIN) -> str:
    """Paragraph markup for user text: escaped; Arabic script shaped, reordered, in the Urdu font."""
    if not has_arabic_script(text):
        return escape(text)
    found = _register_urdu_font(urdu_font or DEFAULT_URDU_FONT)
    if found is None:
        return escape(text)
    import arabic_reshaper
    from bidi.algorithm import get_display

    font_name, covered = found
    visual = get_display(arabic_reshaper.reshape(text))
    # Runs: characters the Urdu font has go in it; others (Latin letters) in the Latin font.
    runs: list[tuple[bool, str]] = []
    for ch in visual:
        in_urdu = ord(ch) in covered
        if runs and runs[-1][0] == in_urdu:
            runs[-1] = (in_urdu, runs[-1][1] + ch)
        else:
            runs.append((in_urdu, ch))
    return "".join(f'<font face="{font_name if u else latin_font}">{escape(s)}</font>'
                   for u, s in runs)


def _dates(data: CertificateData) -> str:
    if data.starts_on and data.ends_on:
        if data.starts_on == data.ends_on:
            return f"{data.starts_on:%d %B %Y}"
        return f"{data.starts_on:%d %B %Y} to {data.ends_on:%d %B %Y}"
    return ""


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=LATIN, fontSize=13, leading=17, alignment=TA_CENTER,
                          textColor=INK)
    return {
        "name": ParagraphStyle("name", parent=base, fontName=LATIN_BOLD, fontSize=30, leading=40),
        "title": ParagraphStyle("title", parent=base, fontName=LATIN_BOLD, fontSize=20,
                                leading=26, textColor=ACCENT),
        "body": base,
    }


def _paragraph(c: canvas.Canvas, markup: str, style: ParagraphStyle, y_top: float,
               width: float) -> float:
    """Draw centred paragraph markup with its top at y_top; return the y below it."""
    p = Paragraph(markup, style)
    _w, h = p.wrap(width, 200)
    p.drawOn(c, (PAGE[0] - width) / 2, y_top - h)
    return y_top - h


def _draw_text(c: canvas.Canvas, data: CertificateData, urdu_font: str | None) -> None:
    """Everything but the QR code: frame, programme, park, holder, title, facts, code."""
    width, height = PAGE
    st = _styles()
    c.setStrokeColor(ACCENT)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.8)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    c.setFillColor(ACCENT)
    c.setFont(LATIN_BOLD, 14)
    c.drawCentredString(width / 2, height - 32 * mm, data.programme.upper())
    c.setFillColor(MUTED)
    c.setFont(LATIN, 12)
    y = _paragraph(c, escape(data.park_name), st["body"], height - 36 * mm, 200 * mm)

    c.setFillColor(INK)
    c.setFont(LATIN_BOLD, 26)
    heading = "Certificate of Completion" if data.kind == "course" else "Track Certificate"
    c.drawCentredString(width / 2, y - 16 * mm, heading)
    c.setFont(LATIN, 13)
    c.drawCentredString(width / 2, y - 26 * mm, "This certifies that")

    y = _paragraph(c, shape_markup(data.holder_name, urdu_font, LATIN_BOLD), st["name"],
                   y - 30 * mm, 220 * mm)
    what = "has completed the course" if data.kind == "course" else "has completed the track"
    c.setFont(LATIN, 13)
    c.drawCentredString(width / 2, y - 8 * mm, what)
    y = _paragraph(c, shape_markup(data.title, urdu_font, LATIN_BOLD), st["title"],
                   y - 11 * mm, 220 * mm)

    facts = [duration_text(data.hours, data.minutes)]
    if _dates(data):
        facts.append(_dates(data))
    y = _paragraph(c, escape(" · ".join(facts)), st["body"], y - 5 * mm, 220 * mm)
    if data.trainer_name:
        y = _paragraph(c, "Trainer: " + shape_markup(data.trainer_name, urdu_font),
                       st["body"], y - 1 * mm, 220 * mm)

    c.setFillColor(MUTED)
    c.setFont(LATIN, 10)
    left = 22 * mm
    c.drawString(left, 34 * mm, f"Issued on {data.issued_on:%d %B %Y}")
    c.drawString(left, 28 * mm, f"Verification code: {data.code}")
    c.drawString(left, 22 * mm, f"Verify at {data.verify_url}")
    if data.credential_url:
        c.drawString(left, 40 * mm, f"Signed credential (Open Badges 3.0): {data.credential_url}")


def qr_rectangles(matrix) -> list[tuple[int, int, int, int]]:
    """Dark modules as rectangles (x, y, w, h in modules, y up): horizontal runs, stacked
    vertically where the same run repeats on the next row."""
    n = len(matrix)
    done: list[tuple[int, int, int, int]] = []
    open_: dict[tuple[int, int], int] = {}  # (start, end) -> top row index
    for r in range(n + 1):
        runs: set[tuple[int, int]] = set()
        if r < n:
            row = matrix[r]
            start = None
            for col, dark in enumerate(row):
                if dark and start is None:
                    start = col
                elif not dark and start is not None:
                    runs.add((start, col))
                    start = None
            if start is not None:
                runs.add((start, n))
        for key in [k for k in open_ if k not in runs]:
            top = open_.pop(key)
            done.append((key[0], n - r, key[1] - key[0], r - top))
        for key in runs:
            open_.setdefault(key, r)
    return done


def _draw_qr(c: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """segno's matrix as ONE filled path of rectangles (runs merged), not ReportLab's QR widget."""
    qr = segno.make(url, error="m", mask=QR_MASK, micro=False)
    matrix = qr.matrix
    n = len(matrix)
    border = 2
    module = size / (n + 2 * border)
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    # Module units: integer coordinates keep the content stream short.
    c.translate(x + border * module, y + border * module)
    c.scale(module, module)
    path = c.beginPath()
    rects = qr_rectangles(matrix)
    code = getattr(path, "_code", None)
    if isinstance(code, list):
        # Integer module coordinates: format the `re` operators ourselves instead of going
        # through ReportLab's pure-Python float formatter once per rectangle (~30% of the cost).
        code.extend([f"{x0} {y0} {w} {h} re" for x0, y0, w, h in rects])
    else:  # pragma: no cover - a ReportLab without the list of operators
        for x0, y0, w, h in rects:
            path.rect(x0, y0, w, h)
    c.setFillColor(colors.black)
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def _new_canvas(buf: io.BytesIO, data: CertificateData) -> canvas.Canvas:
    c = canvas.Canvas(buf, pagesize=PAGE, invariant=1, pageCompression=1)
    c.setTitle(f"Certificate {data.code}")
    c.setAuthor(data.programme)
    c.setSubject(data.title)
    return c


def render_certificate(data: CertificateData, urdu_font: str | None = None) -> bytes:
    """The certificate PDF bytes: the text of render_plain_page plus the QR code."""
    buf = io.BytesIO()
    c = _new_canvas(buf, data)
    _draw_text(c, data, urdu_font)
    size = 38 * mm
    _draw_qr(c, data.verify_url, PAGE[0] - 22 * mm - size, 20 * mm, size)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_plain_page(data: CertificateData, urdu_font: str | None = None) -> bytes:
    """The same page without the QR code (the baseline of the benchmark)."""
    buf = io.BytesIO()
    c = _new_canvas(buf, data)
    _draw_text(c, data, urdu_font)
    c.showPage()
    c.save()
    return buf.getvalue()


def sample_data(code: str = "KP-7K3M-Q9XA-2BHD-WR5T",
                public_url: str = "https://lms.knowledgepark.pk") -> CertificateData:
    """Representative data for benchmarks and previews."""
    return CertificateData(
        code=code, kind="course", holder_name="Ayesha Siddiqui",
        title="Cloud Foundations with AWS", park_name="Knowledge Park Lahore", hours=40,
        starts_on=date(2026, 1, 5), ends_on=date(2026, 3, 2), trainer_name="Usman Tariq",
        issued_on=date(2026, 3, 3), verify_url=f"{public_url.rstrip('/')}/verify/{code}")


def pdf_cost_ratio(n: int = 50) -> float:
    """Time of one certificate PDF over one plain page with the same text (for `make bench`)."""
    data = sample_data()
    render_certificate(data)  # warm up (fonts, imports)
    render_plain_page(data)

    plain_times: list[float] = []
    full_times: list[float] = []
    for _ in range(n):  # interleaved, so a busy machine slows both sides alike
        t0 = time.perf_counter()
        render_plain_page(data)
        t1 = time.perf_counter()
        render_certificate(data)
        t2 = time.perf_counter()
        plain_times.append(t1 - t0)
        full_times.append(t2 - t1)
    return statistics.median(full_times) / statistics.median(plain_times)


if __name__ == "__main__":  # python -m lms.certificates.pdf
    print(f"certificate / plain page: {pdf_cost_ratio():.2f}x")
