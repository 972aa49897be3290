"""Staying in touch: following a space or a topic, and what each member has read.

Following is only ever of something the member can read; following twice keeps one row and
stopping twice changes nothing. Starting a topic or replying follows it.

Unread markers come from one ReadMark per member and topic (never a row per post): opening a
topic page moves the mark up to the newest post the page showed. A topic the member has never
opened counts as new only if someone else started it in the last 30 days and after the member
joined, so a new member's list is not all "New" and old topics do not stay new for ever.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from discussions.models import Follow, Mention, Post, ReadMark, Refusal, Space, Topic
from network.errors import Refused

NEW_FOR = timedelta(days=30)


def _readable_space(member: Any, space: Space) -> None:
    if not Space.objects.visible_to(member).filter(pk=space.pk).exists():
        raise Refused(Refusal.NOT_IN_AUDIENCE)


def readable_topics(member: Any) -> QuerySet[Topic]:
    """As `discussions.queries.visible_topics`: topics not hidden, in spaces the member reads."""
    return Topic.objects.filter(space__in=Space.objects.visible_to(member), hidden=False)


def _readable_topic(member: Any, topic: Topic) -> None:
    if not readable_topics(member).filter(pk=topic.pk).exists():
        raise Refused(Refusal.NOT_IN_AUDIENCE)


def follow_space(*, member: Any, space: Space) -> Follow:
    _readable_space(member, space)
    return Follow.objects.get_or_create(member=member, space=space)[0]


def unfollow_space(*, member: Any, space: Space) -> bool:
    """Stop following; whether there was a follow to stop."""
    return Follow.objects.filter(member=member, space=space).delete()[0] > 0


def follow_topic(*, member: Any, topic: Topic) -> Follow:
    _readable_topic(member, topic)
    return Follow.objects.get_or_create(member=member, topic=topic)[0]


def unfollow_topic(*, member: Any, topic: Topic) -> bool:
    return Follow.objects.filter(member=member, topic=topic).delete()[0] > 0


def follows_written(*, member: Any, topic: Topic) -> None:
    """The follow a member gets by starting or replying to a topic (the writing checked already
    that they can read it)."""
    Follow.objects.bulk_create([Follow(member=member, topic=topic)], ignore_conflicts=True)


def is_following(member: Any, *, space: Space | None = None, topic: Topic | None = None) -> bool:
    return Follow.objects.filter(member=member, space=space, topic=topic).exists()


def followed_spaces(member: Any) -> QuerySet[Space]:
    followed = Follow.objects.filter(member=member, space=OuterRef("pk"))
    return Space.objects.visible_to(member).filter(Exists(followed))


def followed_topics(member: Any) -> QuerySet[Topic]:
    followed = Follow.objects.filter(member=member, topic=OuterRef("pk"))
    return with_read_marks(
        readable_topics(member)
        .filter(Exists(followed))
        .select_related("space")
        .order_by("-last_post_at", "-pk"),
        member,
    )


# Read marks


def mark_read(*, member: Any, topic: Topic, posts: list[Post]) -> None:
    """Move the member's read mark on the topic up to the newest of `posts` (the page shown),
    never back: one statement, whatever was there before."""
    if not posts:
        return
    read_at = max(post.created_at for post in posts)
    table = ReadMark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, topic_id, read_at) VALUES (%s, %s, %s) "  # noqa: S608 (the table name is the model's own)
            "ON CONFLICT (member_id, topic_id) DO UPDATE SET read_at = CASE "
            f"WHEN excluded.read_at > {table}.read_at THEN excluded.read_at "
            f"ELSE {table}.read_at END",
            [member.pk, topic.pk, read_at],
        )


def with_read_marks(topics: QuerySet[Topic], member: Any) -> QuerySet[Topic]:
    """The topics, each with `read_at`: how far this member has read it (None: never opened)."""
    marks = ReadMark.objects.filter(member=member, topic=OuterRef("pk")).values("read_at")[:1]
    return topics.annotate(read_at=Subquery(marks))


def new_since(member: Any, now: datetime | None = None) -> datetime:
    """A topic never opened started after this is new to the member."""
    now = now or timezone.now()
    return max(member.date_joined, now - NEW_FOR)


def unread_tag(topic: Topic, member: Any, since: datetime) -> str:
    """ "New", "New replies" or "" for a topic read through `with_read_marks`."""
    read_at = getattr(topic, "read_at", None)
    if read_at is None:
        return "New" if topic.author_id != member.pk and topic.created_at > since else ""
    return "New replies" if topic.last_post_at > read_at else ""


def tag_unread(topics: list[Topic], member: Any) -> list[Topic]:
    since = new_since(member)
    for topic in topics:
        topic.unread = unread_tag(topic, member, since)  # type: ignore[attr-defined]
    return topics


def forget(member: Any) -> None:
    """On erasure: what the member followed and read, and the marks of their name in others'
    posts, go (the posts' words are their writers')."""
    Follow.objects.filter(member=member).delete()
    ReadMark.objects.filter(member=member).delete()
    Mention.objects.filter(member=member).delete()
