"""Starting topics, replying, editing and removing one's own posts: what each allows, and that
each refusal changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions import services
from discussions.models import MAX_BODY, Post, Refusal, Space, Topic
from members.models import User
from members.suspension import suspend
from network.errors import Refused
from tests.discussions.support import a_space, category, in_category
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def refused(code: Refusal, call: object, *args: object, **kwargs: object) -> None:
    posts, topics = Post.objects.count(), Topic.objects.count()
    bodies = list(Post.objects.order_by("pk").values_list("body", "edited_at"))
    with pytest.raises(Refused) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    assert raised.value.code == code
    assert (Post.objects.count(), Topic.objects.count()) == (posts, topics)
    assert list(Post.objects.order_by("pk").values_list("body", "edited_at")) == bodies


def test_a_member_starts_a_topic_with_its_opening_post(member: User, space: Space) -> None:
    topic = services.start_topic(
        author=member, space=space, title="  Preparing for a   board interview ", body="Tips?"
    )
    assert topic.title == "Preparing for a board interview"
    assert topic.reply_count == 0
    assert list(topic.posts.values_list("author", "body")) == [(member.pk, "Tips?")]


def test_a_reply_counts_and_moves_the_topic_up(member: User, space: Space) -> None:
    earlier = timezone.now() - timedelta(days=2)
    topic = services.start_topic(author=member, space=space, title="T", body="B", now=earlier)
    other = MemberFactory()
    services.reply(author=other, topic=topic, body="Read the board papers.")
    topic.refresh_from_db()
    assert topic.reply_count == 1
    assert topic.last_post_at > earlier
    assert topic.posts.latest("pk").author == other


@pytest.mark.parametrize(
    ("title", "body", "code"),
    [
        ("", "Body", Refusal.NO_TITLE),
        ("x" * 201, "Body", Refusal.NO_TITLE),
        ("Title", "   \n ", Refusal.EMPTY),
        ("Title", "x" * (MAX_BODY + 1), Refusal.TOO_LONG),
    ],
)
def test_bad_input_starts_nothing(
    member: User, space: Space, title: str, body: str, code: Refusal
) -> None:
    refused(code, services.start_topic, author=member, space=space, title=title, body=body)


def test_only_the_board_starts_topics_in_an_announcement_space(
    member: User, board_member: User
) -> None:
    news = a_space("Announcements", announcement_only=True)
    refused(
        Refusal.ANNOUNCEMENTS_ONLY,
        services.start_topic,
        author=member,
        space=news,
        title="Hello",
        body="Hi",
    )
    topic = services.start_topic(author=board_member, space=news, title="Welcome", body="Hi all")
    # Members may still reply to an announcement.
    services.reply(author=member, topic=topic, body="Thank you")


def test_a_member_outside_the_audience_cannot_post(member: User) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    ally = in_category(MemberFactory(), "Ally")
    topic = services.start_topic(author=ally, space=allies, title="Speaking up", body="How?")
    refused(
        Refusal.NOT_IN_AUDIENCE,
        services.start_topic,
        author=member,
        space=allies,
        title="Me too",
        body="Hi",
    )
    refused(Refusal.NOT_IN_AUDIENCE, services.reply, author=member, topic=topic, body="Hi")


def test_a_suspended_member_cannot_post(member: User, board_member: User, space: Space) -> None:
    topic = services.start_topic(author=board_member, space=space, title="T", body="B")
    suspend(user=member, until=None, actor=board_member)
    member.refresh_from_db()
    refused(
        Refusal.CANNOT_POST, services.start_topic, author=member, space=space, title="T", body="B"
    )
    refused(Refusal.CANNOT_POST, services.reply, author=member, topic=topic, body="B")


def test_no_one_replies_to_a_locked_topic(member: User, space: Space) -> None:
    topic = services.start_topic(author=member, space=space, title="T", body="B")
    Topic.objects.filter(pk=topic.pk).update(locked=True)
    refused(Refusal.LOCKED, services.reply, author=member, topic=topic, body="More")
    assert Topic.objects.get(pk=topic.pk).reply_count == 0


def test_an_author_edits_their_post_within_the_window(member: User, space: Space) -> None:
    topic = services.start_topic(author=member, space=space, title="T", body="Frist")
    post = topic.posts.get()
    services.edit_post(author=member, post=post, body="First")
    post.refresh_from_db()
    assert post.body == "First"
    assert post.edited_at is not None


def test_editing_is_refused_after_the_window_or_for_someone_elses_post(
    member: User, space: Space
) -> None:
    long_ago = timezone.now() - timedelta(minutes=31)
    topic = services.start_topic(author=member, space=space, title="T", body="Old", now=long_ago)
    post = topic.posts.get()
    refused(Refusal.EDIT_WINDOW_PASSED, services.edit_post, author=member, post=post, body="New")
    other = MemberFactory()
    fresh = services.reply(author=other, topic=topic, body="Mine")
    refused(Refusal.NOT_YOUR_POST, services.edit_post, author=member, post=fresh, body="Yours")
    refused(Refusal.EMPTY, services.edit_post, author=other, post=fresh, body=" ")


def test_removing_a_post_leaves_its_place(member: User, space: Space) -> None:
    topic = services.start_topic(author=member, space=space, title="T", body="Regret this")
    post = topic.posts.get()
    other = MemberFactory()
    refused(Refusal.NOT_YOUR_POST, services.remove_own_post, author=other, post=post)
    services.remove_own_post(author=member, post=post)
    post.refresh_from_db()
    assert post.body == ""
    assert post.removed_by_author_at is not None
    refused(Refusal.ALREADY_REMOVED, services.remove_own_post, author=member, post=post)
    refused(Refusal.ALREADY_REMOVED, services.edit_post, author=member, post=post, body="Back")


def test_visible_to_is_everyone_spaces_and_the_members_own_category(member: User) -> None:
    everyone = a_space("Everyone")
    allies = a_space("Allies", audience=category("Ally"))
    members_only = a_space("Members", audience=category("Member"))
    assert set(Space.objects.visible_to(member)) == {everyone}
    in_category(member, "Ally")
    assert set(Space.objects.visible_to(member)) == {everyone, allies}
    member.is_active = False
    assert not Space.objects.visible_to(member).exists()
    assert members_only not in Space.objects.visible_to(in_category(MemberFactory(), "Ally"))
