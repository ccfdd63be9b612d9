"""Markdown is rendered, then sanitised: no raw HTML, scripts, handlers or javascript: links."""

import re

import pytest
from markupsafe import Markup

from lms.catalogue.markdown import render_markdown, sanitise_html


def test_markdown_is_rendered():
    html = render_markdown("**bold** and *em*\n\n- one\n- two\n\n[AWS](https://aws.amazon.com)")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<li>one</li>" in html
    assert 'href="https://aws.amazon.com"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert isinstance(html, Markup)


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "Hi <script src='https://evil.example/x.js'></script>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src='https://evil.example'></iframe>",
    "<style>body{display:none}</style>",
])
def test_raw_html_never_reaches_the_page(source):
    html = str(render_markdown(source)).lower()
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html and "<style" not in html and "<a href=\"#\" onclick" not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no tag carries an event handler


@pytest.mark.parametrize("source", [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
])
def test_dangerous_links_are_dropped(source):
    html = str(render_markdown(source)).lower()
    assert 'href="javascript' not in html and 'href="vbscript' not in html
    assert 'href="data:' not in html and "<img" not in html


def test_the_sanitiser_itself_strips_handlers_and_scripts():
    dirty = ('<p onclick="x()">hi<script>alert(1)</script>'
             '<a href="javascript:alert(1)" onmouseover="y()">l</a></p>')
    clean = sanitise_html(dirty)
    assert "onclick" not in clean and "onmouseover" not in clean
    assert "<script" not in clean and "javascript:" not in clean
    assert clean.startswith("<p>hi")


def test_headings_are_moved_below_the_page_heading():
    html = render_markdown("# Big\n\n## Smaller\n\n###### Tiny")
    assert "<h1>" not in html and "<h2>Big</h2>" in html and "<h3>Smaller</h3>" in html
    assert "<h6>Tiny</h6>" in html
    assert "<h4>Big</h4>" in render_markdown("# Big", shift=3)
    assert "<h2>Top</h2>" in render_markdown("# Top", shift=0)  # never an h1


def test_module_descriptions_sit_under_their_h3(app):
    from lms.catalogue.models import CourseModule

    assert "<h4>Lab</h4>" in CourseModule(description="# Lab").description_html


def test_empty_and_none():
    assert render_markdown(None) == "" and render_markdown("") == ""
