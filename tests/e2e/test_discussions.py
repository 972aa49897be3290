"""Discussions in the browser: a member follows a space, starts a topic, is told what is
missing, replies mentioning another member, edits and removes their reply, and reads what they
follow; the member mentioned is told by email; the next morning's digest brings the first
member back to a new reply. Every page passes axe. (Reporting a post and the board hiding it
are the start of the conduct journey, tests/e2e/test_conduct.py.)"""

import re
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from discussions import services
from discussions.digest import send_digests
from discussions.models import Topic
from members.models import User
from tests.discussions.support import a_space
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def test_a_member_starts_a_topic_replies_edits_and_removes(page) -> None:  # type: ignore[no-untyped-def]
    a_space("Board readiness", description="Interviews and board papers.")
    member: User = MemberFactory(name="Mei Chen")
    siobhan: User = MemberFactory(name="Siobhan Kelly")
    sign_in(page, member.email)
    page.get_by_role("link", name="Discussions").first.click()
    assert_accessible(page)
    page.get_by_role("link", name="Board readiness").click()
    assert_accessible(page)
    page.get_by_role("button", name="Follow this space").click()
    assert "You now follow Board readiness." in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Start a topic").click()
    assert_accessible(page)
    page.get_by_role("button", name="Post your topic").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)
    page.get_by_label("Title").fill("Preparing for a board interview")
    page.get_by_label("Your post").fill("What did the panel ask that you **did not expect**?")
    page.get_by_role("button", name="Post your topic").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Preparing for a board interview"
    assert_accessible(page)
    assert page.get_by_role("button", name="Stop following this topic").is_visible()
    page.get_by_label("Your reply").fill("Have an example of challenging well, @[Siobhan Kelly].")
    page.get_by_role("button", name="Post your reply").click()
    assert "Your reply has been posted." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="@Siobhan Kelly").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Edit your post").last.click()
    assert_accessible(page)
    page.get_by_label("Your post").fill("Have an example of challenging a decision well.")
    page.get_by_role("button", name="Save your post").click()
    assert "challenging a decision well" in page.locator("main").inner_text()
    page.get_by_role("button", name="Remove your post").last.click()
    assert "Post removed by its author." in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Discussions").first.click()
    page.get_by_role("link", name="What you follow").click()
    assert page.get_by_role("link", name="Preparing for a board interview").is_visible()
    assert_accessible(page)

    [told] = [m for m in django_mail.outbox if m.to == [siobhan.email]]
    assert "Mei Chen mentioned you" in told.subject + told.body

    # Siobhan answers; the next morning Mei's digest names the topic and brings her to it.
    topic = Topic.objects.get(title="Preparing for a board interview")
    services.reply(author=siobhan, topic=topic, body="They asked how I would **chair** a crisis.")
    django_mail.outbox.clear()
    assert send_digests(now=timezone.now() + timedelta(hours=1)) == 1
    [digest] = django_mail.outbox
    assert digest.to == [member.email]
    assert "Preparing for a board interview" in digest.body
    assert "chair" not in digest.body  # titles and counts, never the words of a post
    link = re.search(r"https?://[^/\s]+(/discussions/topics/\d+/[^\s]*)", digest.body)
    assert link is not None, digest.body
    page.goto(link.group(1))
    assert "how I would chair a crisis" in page.locator("main").inner_text()
    assert_accessible(page)
