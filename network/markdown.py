"""Markdown the board and members write, turned into HTML that is safe to show anyone.

Two steps, each enough on its own for the common attacks, so that a mistake in one is caught by the
other: markdown-it writes CommonMark with raw HTML switched off (a `<script>` in the text shows as
text) and refuses `javascript:` and `data:` links; nh3 then keeps only the tags a document needs,
with links limited to web and mail addresses and marked `nofollow` for search engines.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

# No images: a picture from another server would tell it who read the page, and when.
_markdown = MarkdownIt("commonmark", {"html": False}).disable("image")


def _headings_below_the_title(state: StateCore) -> None:
    # The page's own title is its only h1: a document's "# Heading" becomes an h2.
    for token in state.tokens:
        if token.tag == "h1":
            token.tag = "h2"


_markdown.core.ruler.push("headings_below_the_title", _headings_below_the_title)

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "a",
    "blockquote",
    "code",
    "pre",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    html = _markdown.render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)
