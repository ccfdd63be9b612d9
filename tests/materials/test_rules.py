"""Pure rules of materials: type decisions, names, Content-Disposition, links, visibility."""

import pytest

from lms.materials import rules
from lms.materials.sniff import sniff_mime
from tests.materials.conftest import EXE, HTML_AS_PDF, PDF, SVG_SCRIPT


def judge(name, data, allowed=None):
    return rules.judge(name, data[:8192], sniff_mime(data[:8192]), allowed)


def test_known_types_from_their_bytes():
    assert judge("a.pdf", PDF) == rules.Verdict("pdf", "application/pdf", False)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50
    assert judge("photo.PNG", png).content_type == "image/png"
    assert judge("data.csv", "name,city\nآمنہ,Lahore\n".encode()).content_type == "text/csv"
    assert judge("archive.zip", b"PK\x03\x04" + b"\x00" * 40).content_type == "application/zip"
    assert judge("unknown.xyz", b"\x00\x01\x02binary").content_type == rules.OCTET


@pytest.mark.parametrize(("name", "data"), [
    ("slides.pdf", HTML_AS_PDF), ("photo.png", PDF), ("report.docx", HTML_AS_PDF),
    ("notes.txt", HTML_AS_PDF), ("data.csv", b"\x00\x01\x02\x03"), ("clip.mp4", PDF)])
def test_a_name_promising_a_type_must_be_backed_by_the_bytes(name, data):
    with pytest.raises(rules.Refused):
        judge(name, data)


@pytest.mark.parametrize(("name", "data"), [
    ("setup.exe", EXE), ("setup.pdf", EXE), ("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 20),
    ("x.sh", b"echo hi"), ("run", b"#!/usr/bin/env python\nprint(1)"), ("a.bat", b"dir"),
    ("app.jar", b"PK\x03\x04"), ("empty.pdf", b"")])
def test_programs_and_empty_files_refused(name, data):
    with pytest.raises(rules.Refused):
        judge(name, data)


@pytest.mark.parametrize(("name", "data"), [
    ("d.svg", SVG_SCRIPT), ("p.html", HTML_AS_PDF), ("noext", SVG_SCRIPT),
    ("x.dat", b"\xef\xbb\xbf  <HTML><body>hi"), ("page.xml", b"<?xml version='1.0'?><a/>")])
def test_markup_is_active(name, data):
    verdict = judge(name, data)
    assert verdict.active
    assert rules.served_type(verdict.content_type, verdict.active) == rules.OCTET


def test_question_allow_list():
    assert judge("r.pdf", PDF, ("pdf", "zip")).extension == "pdf"
    with pytest.raises(rules.Refused, match="Allowed file types"):
        judge("r.csv", b"a,b\n", ("pdf",))
    with pytest.raises(rules.Refused):
        judge("d.html", HTML_AS_PDF, ("html",))


def test_served_type_only_for_known_safe_types():
    assert rules.served_type("application/pdf", False) == "application/pdf"
    assert rules.served_type("text/html", False) == rules.OCTET
    assert rules.served_type("image/svg+xml", False) == rules.OCTET
    assert rules.served_type("application/pdf", True) == rules.OCTET


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\a\\report.pdf", "report.pdf"),
    ("  .hidden  ", "hidden"), ('a"b;c<d>.pdf', "a_b_c_d_.pdf"), ("tab\there.pdf", "tabhere.pdf"),
    ("", "file"), ("...", "file"), ("نوٹس.pdf", "نوٹس.pdf"), ("x" * 300 + ".pdf",
                                                          "x" * 146 + ".pdf")])
def test_safe_filename(raw, safe):
    assert rules.safe_filename(raw) == safe


def test_content_disposition():
    assert rules.content_disposition("notes.pdf") == 'attachment; filename="notes.pdf"'
    cd = rules.content_disposition("نوٹس.pdf")
    assert cd == ('attachment; filename="file.pdf"; '
                  "filename*=UTF-8''%D9%86%D9%88%D9%B9%D8%B3.pdf")
    cd = rules.content_disposition('evil"\r\nSet-Cookie: x=1.pdf')
    assert "\r" not in cd and "\n" not in cd and cd.count('"') == 2


def test_links():
    assert rules.clean_url(" https://example.pk/a?b=1 ") == "https://example.pk/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//example.pk", "https://",
                "https://a b", "x" * 2001):
        with pytest.raises(ValueError):
            rules.clean_url(bad)


def test_visibility():
    staff = rules.Viewer(is_staff=True, manages=False)
    owner = rules.Viewer(is_staff=True, manages=True)
    learner = rules.Viewer(is_staff=False, manages=False, cohort_ids=frozenset({7}))
    assert rules.may_see(owner, "draft", None, None)
    assert not rules.may_see(staff, "draft", None, None)
    assert rules.may_see(staff, "published", 9, "scheduled")
    assert rules.may_see(learner, "published", None, None)
    assert rules.may_see(learner, "published", 7, "scheduled")
    assert not rules.may_see(learner, "published", 7, "cancelled")
    assert not rules.may_see(learner, "published", 8, "scheduled")
    assert not rules.may_see(learner, "draft", 7, "scheduled")
    nobody = rules.Viewer(is_staff=False, manages=False)
    assert not rules.may_see(nobody, "published", None, None)


def test_zip_names_unique():
    assert rules.zip_names(["a.pdf", "A.pdf", "a.pdf", "b", "b"]) == [
        "a.pdf", "A (2).pdf", "a (3).pdf", "b", "b (2)"]


def test_sizes():
    assert rules.human_size(512) == "512 B"
    assert rules.human_size(1536) == "1.5 KB"
    assert rules.human_size(50 * 1024 * 1024) == "50.0 MB"
    assert rules.within_limit(100 * 1024 * 1024, 100)
    assert not rules.within_limit(100 * 1024 * 1024 + 1, 100)
