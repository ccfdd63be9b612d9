"""Markdown for course summaries and module descriptions: markdown-it-py, then nh3 sanitising."""

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off (it is escaped), plus tables and strikethrough.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    """Keep only harmless tags and attributes: no scripts, handlers or javascript: links."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="nofollow noopener noreferrer",
                     strip_comments=True)


_HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str | None, shift: int = 1) -> Markup:
    """Markdown source as sanitised HTML, ready for a template.

    Headings move down `shift` levels (never above h2), so the page's heading order holds: 1 for
    text right under the page's h1, 3 for text under an h3.
    """
    html = _md.render(text or "")
    # markdown-it writes the only heading tags here (raw HTML is off and escaped)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(2, int(m.group(2)) + shift))}>", html)
    # The ONLY place in the catalogue that marks HTML safe: the output of the sanitiser above.
    # Never wrap anything else in Markup, and never use |safe in the templates.
    return Markup(sanitise_html(html))  # noqa: S704
