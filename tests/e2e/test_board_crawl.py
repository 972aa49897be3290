"""The board site, crawled in Chromium as a board member signed in with MFA: every page it has
(each model's list, change, add, delete and history pages, the board's own pages, the work
queue and the lists it links to) passes axe-core's WCAG 2.2 A and AA rules.

The pages come from the URL resolver and the demo network of the site-wide suites, so a page
added to the board site later is crawled without anyone listing it here.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import axe_violations, sign_in
from tests.site.sitemap import Demo, Role, build_demo, params_for, site_routes

pytestmark = pytest.mark.browser

# Not pages: signing out (POST only), the jump to the members' site, the admin's JavaScript
# catalogue and its autocomplete answers in JSON.
NOT_PAGES = {"admin:logout", "admin:view_on_site", "admin:jsi18n", "admin:autocomplete"}


def board_paths(demo: Demo) -> list[str]:
    paths = {
        route.path(params_for(route, Role.BOARD_WITH_MFA, demo))
        for route in site_routes()
        if route.route.startswith("board/") and route.name not in NOT_PAGES
    }
    return sorted(paths)


def test_every_board_page_passes_axe(page, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    demo = build_demo()
    sign_in(page, demo.board.email, secret=demo.board_secret)

    page.goto("/board/")
    queue_links = page.locator("#work-queue a").evaluate_all("links => links.map(a => a.href)")
    assert queue_links, "the board's home shows no work queue with links"
    paths = board_paths(demo) + [
        urlsplit(link)._replace(scheme="", netloc="").geturl() for link in queue_links
    ]

    failures: dict[str, list[str]] = {}
    checked: set[str] = set()
    for path in paths:
        try:
            response = page.goto(path)
        except PlaywrightError:
            continue  # Chromium shows no page for an empty answer (a POST-only URL's 405)
        assert response is not None
        assert response.status < 500, f"{path} answered {response.status}"
        is_page = response.ok and "text/html" in response.headers.get("content-type", "")
        on_board_site = urlsplit(page.url).path.startswith("/board/")
        # An object's old address redirects to its change page: each page is checked once.
        if not is_page or not on_board_site or page.url in checked:
            continue
        checked.add(page.url)
        if violations := axe_violations(page):
            failures[path] = violations

    assert len(checked) > 50, f"only {len(checked)} board pages answered with a page to check"
    assert not failures, f"{len(failures)} of {len(checked)} board pages fail axe:\n" + "\n".join(
        f"{path}\n  " + "\n  ".join(violations) for path, violations in failures.items()
    )
