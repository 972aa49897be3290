"""Browser journeys: Playwright drives Debian's Chromium against Django's live server."""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings

from tests.conftest import skip_without
from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop in the test's thread; the ORM calls the tests make
# there are ordinary blocking calls, so Django's async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM):
        skip_without("Chromium", f"none at {CHROMIUM}; apt-get install chromium (CI does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):  # type: ignore[no-untyped-def]
    # The pages' own CSP would refuse the injected axe-core script; the test bypasses it.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.2 A and AA rules run on the page: one line per rule broken."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run npm ci")
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in result["violations"]
    ]


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """Run axe-core's WCAG 2.2 A and AA rules on the page and fail on any violation."""
    violations = axe_violations(page)
    assert not violations, f"axe-core found problems on {page.url}:\n" + "\n".join(violations)


def current_code(secret: str) -> str:
    """The authenticator code of this moment, never one about to change mid-request."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, email: str, *, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Sign in on the sign-in page with the password, and the authenticator code when the
    account has one (`secret`)."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    if secret is not None:
        page.get_by_label("Code").fill(current_code(secret))
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/home/")


@pytest.fixture
def another_browser(browser, live_server):  # type: ignore[no-untyped-def]
    """Opens a browser of someone's own, signed in: a member with their password, a board
    member with their authenticator code too. Each is closed after the test."""
    contexts = []

    def signed_in(user: Any, *, secret: str | None = None):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, user.email, secret=secret)
        return page

    yield signed_in
    for context in contexts:
        context.close()
