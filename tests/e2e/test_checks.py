"""The accessibility checks themselves can fail: each is run on a small page that breaks its rule."""

import pytest

from tests.e2e.support import (
    E2E,
    LAPTOP,
    PHONE,
    focus_problems,
    heading_problems,
    horizontal_scroll_problems,
    unlabelled_controls,
)

pytestmark = E2E


@pytest.fixture
def page(browser):
    ctx = browser.new_context(**LAPTOP)
    yield ctx.new_page()
    ctx.close()


def test_labels(page):
    page.set_content("""
      <label for="a">A</label><input id="a">
      <label>B <select><option>1</option></select></label>
      <input aria-label="C">
      <span id="d-name">D</span><textarea aria-labelledby="d-name"></textarea>
      <input type="hidden" name="t"><input type="submit" value="Go"><button>Go</button>
      <input id="bad" name="nolabel"><label for="elsewhere">Wrong</label>
      <input aria-labelledby="missing">""")
    problems = unlabelled_controls(page)
    assert len(problems) == 2
    assert 'id="bad"' in problems[0] and 'aria-labelledby="missing"' in problems[1]


@pytest.mark.parametrize(("html", "expected"), [
    ("<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2><h3>e</h3>", []),
    ("<h1>a</h1><h1>b</h1>", ["2 h1 elements (want exactly one)"]),
    ("<h1>a</h1><h3>b</h3>", ["heading level skipped: h1 then h3 'b'"]),
    ("<h2>a</h2><h1>b</h1>", ["the first heading is h2 'a', not the h1"]),
    ("<p>no headings</p>", ["0 h1 elements (want exactly one)"]),
])
def test_headings(page, html, expected):
    page.set_content(html)
    assert heading_problems(page) == expected


def test_focus_visible(page):
    page.set_content("<a href='#1'>one</a><button>two</button><input aria-label='three'>")
    assert focus_problems(page) == []
    page.set_content("<style>*:focus { outline: none !important; }</style>"
                     "<a href='#1'>one</a><button style='box-shadow: 0 0 0 3px blue'>two</button>")
    problems = focus_problems(page, presses=2)
    assert problems == ["Tab 1: focus not visible on <a> 'one'"]
    page.set_content("<p>nothing to focus</p>")
    assert focus_problems(page, presses=1) == ["Tab 1: nothing took the focus (after [None])"]


def test_no_horizontal_scroll(browser):
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    try:
        page.set_content("<meta name='viewport' content='width=device-width'><p>fits</p>")
        assert horizontal_scroll_problems(page) == []
        page.set_content("<meta name='viewport' content='width=device-width'>"
                         "<div style='width: 500px'>wide</div>")
        problems = horizontal_scroll_problems(page)
        assert len(problems) == 1 and "scrollWidth 508 (div \"wide\")" in problems[0]
    finally:
        ctx.close()
