import pytest

from members.models import User
from network.models import NetworkSettings
from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_member_signs_in_from_the_landing_page_and_reaches_home(page, member: User) -> None:
    network = NetworkSettings.load()
    network.name = "Women Leaders Network"
    network.save()

    page.goto("/")
    assert page.locator("h1").inner_text() == "Women Leaders Network"
    assert_accessible(page)

    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/login/**")
    assert_accessible(page)

    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill("not-the-password")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url("**/home/")
    assert page.locator("h1").inner_text() == "Welcome, Amara"
    assert page.get_by_role("link", name="Your account").first.is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Your account").first.click()
    page.wait_for_url("**/account/")
    assert member.email in page.locator("dl").inner_text()
    assert_accessible(page)
