import pytest

from members.models import Profile, Region
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def test_a_field_set_to_only_me_disappears_from_other_members_views(page, browser) -> None:  # type: ignore[no-untyped-def]
    amara = MemberFactory(name="Amara Okafor")
    viewer = MemberFactory(name="Rhys Evans")
    profile = Profile.objects.get(user=amara)
    profile.job_title = "Director of Nursing"
    profile.region = Region.LONDON
    profile.save()

    sign_in(page, amara.email)
    page.get_by_role("link", name="Your profile").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Edit your profile").click()
    page.wait_for_url("**/profile/edit/")
    assert_accessible(page)

    page.get_by_label("Links", exact=True).fill("not a link")
    page.get_by_role("button", name="Save your profile").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)

    page.get_by_label("Links", exact=True).fill("")
    page.get_by_label("Job title", exact=True).fill("Chief Nurse")
    page.get_by_label("Who can see your job title").select_option("only_me")
    page.get_by_role("button", name="Save your profile").click()
    page.wait_for_url(f"**/members/{amara.pk}/")
    assert "Chief Nurse" in page.content()

    page.goto("/my-data/")
    assert_accessible(page)
    page.goto("/my-data/emails/")
    assert_accessible(page)
    page.goto("/profile/self-description/")
    assert_accessible(page)

    other = browser.new_context(base_url=page.url.split("/members")[0], bypass_csp=True)
    other_page = other.new_page()
    try:
        sign_in(other_page, viewer.email)
        other_page.goto(f"/members/{amara.pk}/")
        assert "Amara Okafor" in other_page.content()
        assert "Chief Nurse" not in other_page.content()
        assert "London" in other_page.content()
        assert_accessible(other_page)

        other_page.goto("/members/")
        other_page.get_by_label("Search by name, job, organisation or topic").fill("Amara")
        other_page.get_by_role("button", name="Show members").click()
        listing = other_page.locator("main").inner_text()
        assert "Amara Okafor" in listing
        assert "Chief Nurse" not in listing
        assert_accessible(other_page)

        other_page.get_by_label("Search by name, job, organisation or topic").fill("Chief Nurse")
        other_page.get_by_role("button", name="Show members").click()
        assert "0 members found" in other_page.locator("main").inner_text()
    finally:
        other.close()
