"""Static files: hashed URLs cached for a year, compression, favicon."""

import gzip
import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def _css_url(html: str) -> str:
    match = re.search(r'href="(/static/style\.css\?v=([0-9a-f]+))"', html)
    assert match, "the page links the stylesheet with a version"
    return match.group(1)


def test_pages_link_static_files_by_the_hash_of_their_bytes(client):
    html = client.get("/login").get_data(as_text=True)
    url = _css_url(html)
    expected = hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()[:12]
    assert url.endswith(f"v={expected}")
    assert 'rel="icon"' in html


def test_hashed_url_is_cached_for_a_year_and_others_revalidate(client):
    url = _css_url(client.get("/login").get_data(as_text=True))
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.mimetype == "text/css"
    plain = client.get("/static/style.css")
    assert plain.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/style.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    # revalidation with the ETag still answers 304
    again = client.get("/static/style.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304


def test_changed_file_gets_a_new_url(app, tmp_path):
    from lms.core.assets import StaticDigests

    (tmp_path / "a.css").write_text("body{}")
    digests = StaticDigests(str(tmp_path))
    first = digests.digest("a.css")
    (tmp_path / "a.css").write_text("body{color:red}")
    import os

    os.utime(tmp_path / "a.css", (1, 1))  # a different mtime, as any edit gives
    assert digests.digest("a.css") != first
    assert digests.digest("missing.css") is None
    assert digests.digest("../a.css") is None


def test_html_and_json_are_gzipped_when_accepted(client):
    for url in ("/login", "/api/v1/parks"):
        resp = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert resp.status_code == 200, url
        assert resp.headers.get("Content-Encoding") == "gzip", url
        assert "Accept-Encoding" in resp.headers.get("Vary", ""), url
        body = gzip.decompress(resp.data)
        assert len(body) > len(resp.data), url
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    assert b"<html" in plain.data


def test_streamed_static_files_are_compressed_with_brotli_or_deflate(client):
    import zlib

    import brotli

    url = _css_url(client.get("/login").get_data(as_text=True))
    original = (STATIC / "style.css").read_bytes()
    resp = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert resp.headers["Content-Encoding"] == "br"
    assert brotli.decompress(resp.data) == original
    assert len(resp.data) < len(original) / 2
    resp = client.get(url, headers={"Accept-Encoding": "deflate"})
    assert resp.headers["Content-Encoding"] == "deflate"
    assert zlib.decompress(resp.data) == original  # HTTP deflate is the zlib format


def test_security_headers_survive_compression(client):
    resp = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_favicon(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
