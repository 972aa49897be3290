"""A conduct report in the browser: a member reports another's discussion post from the topic;
the board reads the post in the report, hides it and suspends its author for a week; their open
session ends, sign-in is refused with the date, their event seat goes to the next on the waiting
list and the member who nominated them is told; when the week is over they can sign in again."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from board.models import Report
from discussions import services as discussions
from events import services as events
from events.models import Registration
from members.models import Suspension
from members.suspension import end_due_suspensions
from network.models import OutboundEmail
from tests.board.support import nominated
from tests.discussions.support import a_space
from tests.e2e.conftest import assert_accessible, sign_in
from tests.events.support import published_event
from tests.factories import PASSWORD, BoardMemberFactory, MemberFactory, enable_totp

pytestmark = pytest.mark.browser


def test_a_reported_member_is_suspended_for_a_week_and_comes_back(page, another_browser) -> None:  # type: ignore[no-untyped-def]
    amara = MemberFactory(name="Amara Okafor")
    siobhan = MemberFactory(name="Siobhan Kelly")
    grace = MemberFactory(name="Grace Adeyemi")
    nominated(siobhan, by=grace)
    ben = MemberFactory(name="Ben Carter")
    event = published_event(title="Chairing a board well", capacity=1)
    events.register(event_id=event.pk, member=siobhan)
    events.register(event_id=event.pk, member=ben)
    assert Registration.objects.get(member=ben).status == Registration.Status.WAITING
    priya = BoardMemberFactory(name="Priya Shah")
    secret = enable_totp(priya)
    topic = discussions.start_topic(
        author=amara,
        space=a_space("Board readiness"),
        title="Preparing for a board interview",
        body="What did the panel ask that you did not expect?",
    )
    post = discussions.reply(
        author=siobhan, topic=topic, body="Nothing, if you are not from a good school. Stop asking."
    )
    siobhans_browser = another_browser(siobhan)

    # Amara reports Siobhan's reply from the topic; an empty form says what to fix.
    sign_in(page, amara.email)
    page.goto(f"/discussions/topics/{topic.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Report this post by Siobhan Kelly")).click()
    assert_accessible(page)
    page.get_by_role("button", name="Send to the programme board").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)
    page.get_by_label("Harassment, bullying or intimidation").check()
    page.get_by_label("What happened?").fill("She kept messaging me after I asked her to stop.")
    page.get_by_role("button", name="Send to the programme board").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your concern has been sent"
    assert_accessible(page)
    page.get_by_role("link", name="See the concerns you have raised").click()
    assert "The board is looking into it" in page.locator("main").inner_text()
    assert_accessible(page)
    report = Report.objects.get()
    assert (report.subject, report.target_id) == (Report.Subject.POST, post.pk)

    # The board suspends Siobhan for a week.
    admin = another_browser(priya, secret=secret)
    admin.goto("/board/board/report/")
    admin.get_by_role("link", name=f"Report {report.pk}").click()
    shown = admin.locator("#content").inner_text()
    assert "She kept messaging me" in shown and "not from a good school" in shown
    assert "Preparing for a board interview" in shown
    assert_accessible(admin)

    # The board hides the post: Siobhan is told why; other members see only that it was hidden.
    admin.get_by_role("link", name="Hide this post").click()
    assert_accessible(admin)
    admin.get_by_label("Reason").fill("It puts down colleagues; the guidelines ask for respect.")
    admin.get_by_role("button", name="Hide and tell the authors").click()
    assert "Their authors have been told why" in admin.locator(".messagelist").inner_text()
    assert_accessible(admin)
    assert OutboundEmail.objects.filter(
        template="discussions/post_hidden", to_email=siobhan.email
    ).exists()
    page.goto(f"/discussions/topics/{topic.pk}/")
    assert "This post was hidden by the programme board." in page.locator("main").inner_text()
    assert "good school" not in page.locator("main").inner_text()
    assert_accessible(page)
    admin.get_by_role("link", name="Decide on this report").click()
    assert_accessible(admin)
    admin.get_by_label("Suspension").check()
    admin.get_by_label("Reason").fill("Repeated messages after being asked to stop.")
    week_on = timezone.localdate() + timedelta(days=7)
    admin.get_by_label("Suspended until").fill(week_on.isoformat())
    admin.get_by_role("button", name="Record the decision").click()
    assert "recorded and carried out" in admin.locator(".messagelist").inner_text()
    suspension = Suspension.objects.get(user=siobhan)

    # Her open session ends at its next page; signing in is refused with the date.
    siobhans_browser.goto("/home/")
    assert "/accounts/login/" in siobhans_browser.url
    siobhans_browser.get_by_label("Email").fill(siobhan.email)
    siobhans_browser.get_by_label("Password").fill(PASSWORD)
    siobhans_browser.locator("form[action='/accounts/login/'] button[type=submit]").click()
    refused = siobhans_browser.locator("main").inner_text()
    assert "Your membership is suspended" in refused
    assert week_on.strftime("%-d %B %Y") in refused
    assert_accessible(siobhans_browser)

    # Her seat went to Ben, and Grace, who nominated her, is told in neutral words.
    assert Registration.objects.get(member=siobhan).status == Registration.Status.REMOVED
    assert Registration.objects.get(member=ben).status != Registration.Status.WAITING
    told = OutboundEmail.objects.get(template="board/inviter_told")
    assert told.to_email == grace.email

    # A week on, the suspension ends by itself and she signs in again.
    assert suspension.ends_at is not None
    assert end_due_suspensions(now=suspension.ends_at + timedelta(minutes=1)) == 1
    back = another_browser(siobhan)
    assert back.get_by_role("heading", level=1).inner_text() == "Welcome, Siobhan"
    assert_accessible(back)
