"""Markdown from the board (and later members) is shown as a document, never as a way in."""

from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString

from network.markdown import render_markdown


def attributes_of_links(html: str) -> set[str]:
    found: set[str] = set()

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                found.update(name for name, _ in attrs)

    Links().feed(html)
    return found


def test_a_document_keeps_its_headings_lists_emphasis_quotes_code_and_links() -> None:
    html = render_markdown(
        "## Respect\n\nTreat *everyone* with **dignity**.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> said in confidence\n\n"
        "Use `code` and [the NHS](https://www.nhs.uk) or <board@example.org>."
    )

    assert isinstance(html, SafeString)
    assert "<h2>Respect</h2>" in html
    assert "<em>everyone</em>" in html and "<strong>dignity</strong>" in html
    assert "<ul>\n<li>one</li>" in html and "<ol>\n<li>first</li>" in html
    assert "<blockquote>" in html and "<code>code</code>" in html
    assert '<a href="https://www.nhs.uk" rel="nofollow noopener">the NHS</a>' in html
    assert '<a href="mailto:board@example.org" rel="nofollow noopener">' in html


def test_a_top_level_heading_sits_below_the_pages_own_title() -> None:
    assert render_markdown("# Guidelines").strip() == "<h2>Guidelines</h2>"


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
        "<iframe src='https://evil.example'></iframe>",
        "<div style='background:url(javascript:alert(1))'>hi</div>",
        "<!-- a comment --><b onmouseover=alert(1)>bold</b>",
    ],
)
def test_raw_html_shows_as_text_and_never_as_markup(hostile: str) -> None:
    html = render_markdown(hostile)

    assert "<" not in html.replace("<p>", "").replace("</p>", "")
    assert "&lt;" in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[click](file:///etc/passwd)",
    ],
)
def test_links_that_would_run_script_or_load_data_are_not_links(link: str) -> None:
    html = render_markdown(link)

    assert "<a" not in html
    assert "href" not in html


def test_images_are_never_loaded_from_anywhere() -> None:
    html = render_markdown("![tracker](https://evil.example/pixel.png)")

    assert "<img" not in html
    assert '<a href="https://evil.example/pixel.png" rel="nofollow noopener">tracker</a>' in html


def test_a_link_cannot_carry_attributes_of_its_own() -> None:
    html = render_markdown('[x](https://example.org "a title") and [y](/guidelines/)')

    assert '<a href="https://example.org" title="a title" rel="nofollow noopener">x</a>' in html
    assert '<a href="/guidelines/" rel="nofollow noopener">y</a>' in html
    for sneaky in (
        '[x](https://example.org "t\\" onclick=\\"alert(1)")',
        '<https://a.org" onclick="x>',
    ):
        assert attributes_of_links(render_markdown(sneaky)) <= {"href", "title", "rel"}
