"""Helpers of the browser journeys: marks, screenshots and the accessibility checks.

The checks are deliberately small and strict; each returns a list of problems (empty = pass) so a
test can report every problem of a page at once:
- every form control (input, select, textarea; not hidden or a button) has a label;
- headings in order: exactly one h1, and going down no level is skipped (h2 -> h4 is an error);
- keyboard focus is visible: after Tab the focused element shows an outline or a box shadow;
- nothing scrolls sideways at 375 px wide;
- axe-core (from npm, `tests/e2e/node_modules`, injected from disk) finds no serious or critical
  violation of WCAG 2.2 A/AA.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
AXE = ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"


def _skip_reason() -> str | None:
    if os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"):
        return ("browser journeys run once, in the SQLite pass of CI "
                "(LMS_TEST_DATABASE_URL names PostgreSQL)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"browser journeys need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser journeys need Playwright for Python (pip install -e '.[dev]')"
    if not AXE.is_file():
        return f"browser journeys need axe-core at {AXE} (make install-dev runs npm install)"
    return None


SKIP_REASON = _skip_reason()
E2E = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]


# --- the checks ---------------------------------------------------------------------------------

_UNLABELLED_JS = """
() => {
  const skip = new Set(["hidden", "submit", "button", "reset", "image"]);
  const out = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.tagName === "INPUT" && skip.has((el.getAttribute("type") || "text").toLowerCase())) continue;
    const aria = (el.getAttribute("aria-label") || "").trim();
    let by = false;
    for (const id of (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)) {
      const ref = document.getElementById(id);
      if (ref && ref.textContent.trim()) by = true;
    }
    const labelled = Array.from(el.labels || []).some(l => l.textContent.trim());
    if (!labelled && !aria && !by) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
}
"""

_HEADINGS_JS = """
() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
  .map(h => [parseInt(h.tagName.slice(1), 10), h.textContent.trim().slice(0, 60)])
"""

_FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== "none";
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || el.value || "").trim().slice(0, 40),
          visible: outline || shadow, onscreen: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0};
}
"""


def unlabelled_controls(page) -> list[str]:
    """Form controls without a label, aria-label or aria-labelledby."""
    return [f"control without a label: {html}" for html in page.evaluate(_UNLABELLED_JS)]


def heading_problems(page) -> list[str]:
    """One h1, first; going down, no level skipped."""
    heads = page.evaluate(_HEADINGS_JS)
    problems = []
    levels = [lvl for lvl, _text in heads]
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1 elements (want exactly one)")
    if levels and levels[0] != 1:
        problems.append(f"the first heading is h{levels[0]} {heads[0][1]!r}, not the h1")
    for (prev, _pt), (lvl, text) in zip(heads, heads[1:], strict=False):
        if lvl > prev + 1:
            problems.append(f"heading level skipped: h{prev} then h{lvl} {text!r}")
    return problems


def focus_problems(page, presses: int = 3) -> list[str]:
    """Tab from the top of the page a few times: each focused element shows its focus."""
    problems = []
    # start from the top of the document, wherever the journey left the focus
    page.evaluate("""() => { const start = document.createElement("span");
        start.id = "e2e-focus-start"; start.tabIndex = -1;
        document.body.prepend(start); start.focus(); window.scrollTo(0, 0); }""")
    seen = []
    for n in range(presses):
        page.keyboard.press("Tab")
        info = page.evaluate(_FOCUS_JS)
        seen.append(info and f"<{info['tag']}> {info['text']!r}")
        if info is None:
            problems.append(f"Tab {n + 1}: nothing took the focus (after {seen})")
            continue
        if not info["visible"]:
            problems.append(f"Tab {n + 1}: focus not visible on <{info['tag']}> {info['text']!r}")
        if not info["onscreen"]:
            problems.append(f"Tab {n + 1}: focused <{info['tag']}> {info['text']!r} is off screen")
    page.evaluate("""() => { document.getElementById("e2e-focus-start")?.remove();
        document.activeElement && document.activeElement.blur(); }""")
    return problems


def horizontal_scroll_problems(page, width: int = 375, name: str | None = None) -> list[str]:
    """At `width` px the page fits: documentElement.scrollWidth <= width."""
    size = page.viewport_size
    if size and size["width"] != width:
        page.set_viewport_size({"width": width, "height": size["height"]})
    try:
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll > width:
            if name:
                shot(page, f"{name}-{width}px")
            wide = page.evaluate("""(w) => Array.from(document.querySelectorAll("body *"))
              .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest(".table-wrap")
                      && !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
              .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                               + (e.className ? "." + e.className : "")
                               + " " + JSON.stringify((e.textContent || "").trim().slice(0, 30)))""",
                                 width)
            return [f"scrolls sideways at {width} px: scrollWidth {scroll} ({', '.join(wide)})"]
        return []
    finally:
        if size and size["width"] != width:
            page.set_viewport_size(size)


_AXE_RUN = """
async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.help + " -- "
         + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}
"""


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append("(() => {" + AXE.read_text(encoding="utf-8") + "\n})()")
    return _AXE_SOURCE[0]


def axe_problems(page) -> list[str]:
    """Serious and critical WCAG 2.2 AA violations that axe-core finds on the page."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        # evaluated through DevTools, so the page's CSP (script-src 'self') stays as it is
        page.evaluate(_axe_source())
    return page.evaluate(_AXE_RUN)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/e2e/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_page(page, name: str) -> None:
    """Screenshot a key page and assert it passes the accessibility checks."""
    page.wait_for_load_state("domcontentloaded")
    shot(page, name)
    problems = (unlabelled_controls(page) + heading_problems(page) + focus_problems(page)
                + horizontal_scroll_problems(page, name=name) + axe_problems(page))
    assert not problems, f"{name} ({page.url}):\n  " + "\n  ".join(problems)
