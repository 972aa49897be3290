import pytest

from tests.e2e.conftest import assert_accessible, current_code, sign_in
from tests.factories import PASSWORD, BoardMemberFactory

pytestmark = pytest.mark.browser


def test_board_member_sets_up_mfa_before_the_board_site_opens(page) -> None:
    board = BoardMemberFactory(name="Priya Shah")
    sign_in(page, board.email)

    page.get_by_role("link", name="Programme board").first.click()
    # Changing how one signs in asks for the password again, even just after signing in.
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert "Set up two-factor authentication first" in page.content()
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    assert_accessible(page)

    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Activate").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)

    page.get_by_label("Authenticator code").fill(current_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    assert_accessible(page)

    page.goto("/board/")
    assert page.locator("#site-name").inner_text() == "Programme board"


def test_account_pages_use_the_network_layout(page, member) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, member.email)
    for path, heading in [
        ("/accounts/email/", "Email Addresses"),
        ("/accounts/password/change/", "Change Password"),
        ("/accounts/2fa/", "Two-Factor Authentication"),
    ]:
        page.goto(path)
        assert page.locator("h1").inner_text() == heading
        assert page.get_by_role("link", name="Back to your account").is_visible()
        assert_accessible(page)
