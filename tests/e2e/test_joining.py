import re

import pytest
from django.core import mail as django_mail

from invitations.models import Application
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import BoardMemberFactory, enable_totp

pytestmark = pytest.mark.browser


def test_an_applicant_is_approved_invited_and_joins(page, browser) -> None:  # type: ignore[no-untyped-def]
    board = BoardMemberFactory(name="Priya Shah")
    secret = enable_totp(board)

    page.goto("/")
    page.get_by_role("button", name="Express interest in joining").click()
    page.wait_for_url("**/join/")
    assert_accessible(page)
    page.get_by_label("Full name").fill("Grace Adeyemi")
    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_label("Job title").fill("Deputy Chief Nurse")
    page.get_by_label("Organisation").fill("Leeds Teaching Hospitals NHS Trust")
    page.get_by_label("Profession").select_option("nursing")
    page.get_by_label("Region").select_option("north_east_yorkshire")
    page.get_by_label("What role would you like to reach next?").fill("Chief nurse")
    page.get_by_label("Your record of mentoring").fill("Six ward managers over four years.")
    page.get_by_label("How many people are you mentoring now?").fill("2")
    page.get_by_role("button", name="Send").click()
    assert "We have your expression of interest" in page.content()
    assert_accessible(page)
    application = Application.objects.get(email="grace@example.org")

    board_context = browser.new_context(base_url=page.url.split("/join")[0])
    board_page = board_context.new_page()
    try:
        sign_in(board_page, board.email, secret=secret)
        board_page.goto(f"/board/invitations/application/{application.pk}/change/")
        summary = board_page.locator("#content").inner_text()
        assert "Declared mentoring record" in summary
        assert "Six ward managers over four years." in summary
        board_page.get_by_role("link", name="Record a decision").click()
        board_page.get_by_label("Approve").check()
        board_page.get_by_role("button", name="Save").click()
        assert "Your decision has been recorded" in board_page.locator(".messagelist").inner_text()
    finally:
        board_context.close()

    invitation_mail = next(m for m in django_mail.outbox if "invited to join" in m.subject)
    link = re.search(r"https?://[^/]+(/invitation/[0-9a-f]+/)", invitation_mail.body).group(1)  # type: ignore[union-attr]
    page.goto(link)
    assert "Create your account" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Create your account").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)
    page.get_by_label("Choose a password").fill("a-long-test-password-123")
    page.get_by_label("Type the password again").fill("a-long-test-password-123")
    page.get_by_label("I accept the guidelines").check()
    page.get_by_role("button", name="Create your account").click()
    page.wait_for_url("**/profile/edit/")
    assert page.get_by_label("Job title", exact=True).input_value() == "Deputy Chief Nurse"
    assert_accessible(page)
