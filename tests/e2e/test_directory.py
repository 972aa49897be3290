import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members import services, views
from members.models import Profession, Profile, Region
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "teal").save(buffer, format="JPEG")
    return SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")


def fits_the_screen(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_directory_reads_on_a_phone_and_pages_by_name(  # type: ignore[no-untyped-def]
    browser, live_server, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    for number in range(views.DIRECTORY_PAGE_SIZE + 4):
        profile = Profile.objects.get(user=MemberFactory(name=f"Member {number:02d} Adeyemi"))
        profile.job_title = "Deputy Director of Nursing and Quality Improvement"
        profile.organisation = (
            "Northumbria Healthcare NHS Foundation Trust" + "s" * (number % 3) * 20
        )
        profile.profession = Profession.NURSING
        profile.region = Region.NORTH_EAST_YORKSHIRE
        profile.save()
        if number % 5 == 0:
            services.set_photo(profile=profile, photo=photo())
    viewer = MemberFactory(name="Rhys Evans")

    context = browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, viewer.email)
        page.goto("/members/")
        cards = page.locator(".network-member-card")
        assert cards.count() == views.DIRECTORY_PAGE_SIZE
        assert fits_the_screen(page)
        for index in range(cards.count()):
            box = cards.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.locator(".network-member-card__photo").count() >= 1
        assert "Northumbria Healthcare" in cards.first.inner_text()
        assert_accessible(page)

        page.get_by_role("link", name="Next").click()
        page.wait_for_url("**after=*")
        assert page.locator(".network-member-card").count() == 5  # four more, and the viewer
        assert fits_the_screen(page)
        assert_accessible(page)
        page.get_by_role("link", name="Previous").click()
        page.wait_for_url("**before=*")
        assert page.locator(".network-member-card").count() == views.DIRECTORY_PAGE_SIZE
    finally:
        context.close()
