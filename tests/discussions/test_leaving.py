"""A member deleting their account chooses whether their discussion posts stay, as a former
member's, or go; a member the board removes keeps theirs as a former member's."""

import pytest
from django.test import Client

from board import reports
from board.models import Report
from discussions import notify, services
from discussions.leaving import REMOVED_TITLE
from discussions.models import Mention, Post, Space, Topic
from members import services as members
from members.models import User
from network.models import AuditAction, AuditEvent
from tests.board.support import a_report
from tests.discussions.support import signed_in
from tests.factories import PASSWORD, BoardMemberFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver() -> User:
    return MemberFactory(name="Siobhan Kelly")


def conversation(space: Space, leaver: User, member: User) -> tuple[Topic, Topic, Post]:
    """A topic the leaver started that the member answered, one no one answered, and the
    leaver's reply in the member's topic."""
    answered = services.start_topic(
        author=leaver, space=space, title="Siobhan's chairing tips", body="Read the papers."
    )
    services.reply(author=member, topic=answered, body="And ask one good question.")
    alone = services.start_topic(author=leaver, space=space, title="Siobhan asks", body="Anyone?")
    theirs = services.start_topic(author=member, space=space, title="Budgets", body="How?")
    reply = services.reply(author=leaver, topic=theirs, body="Ask the finance director.")
    return answered, alone, reply


def delete_through_the_page(leaver: User, **choices: str) -> str:
    client = Client()
    client.force_login(leaver)
    asked = client.get("/my-data/delete/")
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get("/my-data/delete/").content.decode()
    assert "Also remove my discussion posts" in page
    return client.post("/my-data/delete/", {"confirm": "on", **choices}).content.decode()


def test_by_default_a_leavers_posts_stay_as_a_former_members(
    space: Space, leaver: User, member: User
) -> None:
    _answered, alone, reply = conversation(space, leaver, member)

    assert "Your account has been deleted" in delete_through_the_page(leaver)

    page = signed_in(member).get(f"/discussions/topics/{reply.topic_id}/").content.decode()
    assert "Ask the finance director." in page and "A former member" in page
    assert "Siobhan Kelly" not in page
    assert Topic.objects.get(pk=alone.pk).title == "Siobhan asks"
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert event.data == {"initiated_by": "member"}


def test_a_leaver_who_chooses_removes_their_posts_and_others_replies_stay(
    space: Space, leaver: User, member: User
) -> None:
    answered, alone, _reply = conversation(space, leaver, member)
    mentioning = services.reply(author=leaver, topic=answered, body="Thanks @Amara")
    Mention.objects.get_or_create(post=mentioning, member=member)

    delete_through_the_page(leaver, remove_posts="on")

    assert not Post.objects.filter(author=leaver).exclude(body="").exists()
    assert not Post.objects.filter(author=leaver, removed_by_author_at__isnull=True).exists()
    assert not Mention.objects.filter(post__author=leaver).exists()
    answered.refresh_from_db()
    alone.refresh_from_db()
    assert (answered.title, answered.hidden) == (REMOVED_TITLE, False)
    assert (alone.title, alone.hidden) == (REMOVED_TITLE, True)
    client = signed_in(member)
    page = client.get(f"/discussions/topics/{answered.pk}/").content.decode()
    assert "Post removed by its author." in page and "And ask one good question." in page
    assert "Read the papers" not in page and "Siobhan" not in page
    assert client.get(f"/discussions/topics/{alone.pk}/").status_code == 404
    listing = client.get(f"/discussions/spaces/{space.slug}/").content.decode()
    assert "Siobhan" not in listing
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert event.data == {"initiated_by": "member", "posts_removed": True}


def test_a_member_the_board_removes_keeps_their_posts_as_a_former_members(
    space: Space, leaver: User, member: User
) -> None:
    _answered, _alone, reply = conversation(space, leaver, member)
    report = a_report(member, leaver)
    reports.resolve(
        report=report,
        board_member=BoardMemberFactory(),
        outcome="removal",
        reason="Repeated harassment after a warning.",
    )

    assert Report.objects.get().status == "resolved"
    assert Post.objects.get(pk=reply.pk).body == "Ask the finance director."
    page = signed_in(member).get(f"/discussions/topics/{reply.topic_id}/").content.decode()
    assert "A former member" in page and "Siobhan Kelly" not in page


def test_deleting_without_the_choice_through_the_service_keeps_posts(
    space: Space, leaver: User, member: User
) -> None:
    _answered, _alone, reply = conversation(space, leaver, member)
    members.delete_account(user=leaver)
    assert Post.objects.get(pk=reply.pk).body == "Ask the finance director."


@pytest.mark.parametrize("remove_posts", [False, True])
def test_quotes_and_mentions_of_a_leaver_no_longer_name_them(
    space: Space, leaver: User, member: User, remove_posts: bool
) -> None:
    _answered, _alone, reply = conversation(space, leaver, member)
    quoting = services.reply(
        author=member,
        topic=reply.topic,
        body=notify.quote_text(reply) + "Good advice, @[Siobhan Kelly].",
        reply_to=reply.pk,
    )

    members.delete_account(user=leaver, remove_posts=remove_posts)

    page = signed_in(member).get(f"/discussions/topics/{reply.topic_id}/").content.decode()
    assert "Siobhan" not in page and "Good advice, A former member." in page
    assert ("Ask the finance director." in page) is not remove_posts
    assert "Siobhan" not in Post.objects.get(pk=quoting.pk).body
