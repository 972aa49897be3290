"""The daily digest: one email a member a day, naming the new topics and counting the new replies
in the spaces and topics they follow since their last digest.

`send_digests` reads members BATCH_SIZE at a time, each batch in its own transaction and with
the same handful of queries whatever its size: the members, their follows, the posts new in what
they follow, the day's digest rows, and the messages (network.mail.queue_emails). A digest row
(DigestSent, one per member per day) is written in the same transaction as the message, and only
members whose row this run wrote get one: a second run the same day, a redelivered task, or a
re-run after a crash half-way all send each member exactly one digest.

Only what the member may read goes in: spaces of their audience, never a hidden topic or post,
a post its author removed, or their own posts. The email names topics and counts replies; it
never quotes a post. The titles are read again when the email is sent, with the member's
audience as it is then.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from discussions.models import DigestSent, Follow, Post, Space, Topic
from network.links import absolute_url
from network.mail import NotNeeded, Recipient, builds_context, queue_emails
from network.models import EmailCategory, EmailOptOut

TEMPLATE = "discussions/digest"
BATCH_SIZE = 500
# A first digest, or a follow started since the last one, looks back no further than a day; a
# member away from digests for a long while (opted out, say) hears of the last week at most.
FIRST_LOOK_BACK = timedelta(hours=24)
LONGEST_LOOK_BACK = timedelta(days=7)
# The topics one email names at most, busiest first; the rest are counted.
MOST_TOPICS = 30


@dataclass
class TopicNews:
    topic_id: int
    new_topic: bool = False
    replies: int = 0


class NewPost(NamedTuple):
    pk: int
    topic_id: int
    space_id: int
    audience_id: int | None
    topic_author_id: int
    topic_started: datetime
    author_id: int
    created_at: datetime


@dataclass
class Member:
    pk: int
    email: str
    category_id: int | None
    last_up_to: datetime | None
    # (space id or None, topic id or None, window start) for each follow.
    follows: list[tuple[int | None, int | None, datetime]] = field(default_factory=list)


def digest_day(now: datetime) -> date:
    """The day a digest belongs to: the London date, as members read it."""
    return timezone.localtime(now).date()


def send_digests(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Queue today's digests; returns how many this call queued."""
    now = now or timezone.now()
    day = digest_day(now)
    queued = 0
    after = 0
    while True:
        with transaction.atomic():
            count, after = _one_batch(now=now, day=day, after=after, size=batch_size)
        queued += count
        if not after:
            return queued


def _one_batch(*, now: datetime, day: date, after: int, size: int) -> tuple[int, int]:
    """Queue the digests of the next `size` members after pk `after`; returns how many were
    queued and the last member read (0 when there were none left)."""
    members = _members(after=after, day=day, size=size)
    if not members:
        return 0, 0
    for member_id, space_id, topic_id, created_at in Follow.objects.filter(
        member_id__in=list(members)
    ).values_list("member_id", "space_id", "topic_id", "created_at"):
        member = members[member_id]
        since = member.last_up_to or now - FIRST_LOOK_BACK
        since = max(since, created_at, now - LONGEST_LOOK_BACK)
        member.follows.append((space_id, topic_id, since))
    news = _news(members, now=now)
    written = _write_digest_rows(list(news), day=day, up_to=now)
    queue_emails(
        TEMPLATE,
        (
            Recipient(members[pk].email, pk, _context(pk, news[pk]))
            for pk in sorted(written)
            if pk in news
        ),
        category=EmailCategory.DISCUSSION_DIGEST,
    )
    return len(written), max(members)


def _members(*, after: int, day: date, size: int) -> dict[int, Member]:
    """Active members who follow something, have not had today's digest and have not turned
    digests off, in order of pk."""
    User = get_user_model()
    last = DigestSent.objects.filter(member=OuterRef("pk")).order_by("-up_to").values("up_to")
    rows = (
        User.objects.filter(pk__gt=after, is_active=True)
        .filter(Exists(Follow.objects.filter(member=OuterRef("pk"))))
        .exclude(Exists(DigestSent.objects.filter(member=OuterRef("pk"), day=day)))
        .exclude(
            Exists(
                EmailOptOut.objects.filter(
                    email__iexact=OuterRef("email"), category=EmailCategory.DISCUSSION_DIGEST
                )
            )
        )
        .annotate(last_up_to=Subquery(last[:1]))
        .order_by("pk")
        .values_list("pk", "email", "profile__category_id", "last_up_to")[:size]
    )
    return {
        pk: Member(pk, email, category_id, last_up_to)
        for pk, email, category_id, last_up_to in rows
    }


def _news(members: dict[int, Member], *, now: datetime) -> dict[int, list[TopicNews]]:
    """What is new for each member in what they follow, read in one query for the batch."""
    space_ids = {space for m in members.values() for space, _, _ in m.follows if space}
    topic_ids = {topic for m in members.values() for _, topic, _ in m.follows if topic}
    earliest = min((since for m in members.values() for _, _, since in m.follows), default=now)
    posts = [
        NewPost(*row)
        for row in Post.objects.filter(
            Q(topic__space_id__in=space_ids) | Q(topic_id__in=topic_ids),
            created_at__gt=earliest,
            created_at__lte=now,
            hidden_at__isnull=True,
            removed_by_author_at__isnull=True,
            topic__hidden=False,
        )
        .order_by()
        .values_list(
            "pk",
            "topic_id",
            "topic__space_id",
            "topic__space__audience_id",
            "topic__author_id",
            "topic__created_at",
            "author_id",
            "created_at",
        )
    ]
    by_space: dict[int, list[NewPost]] = defaultdict(list)
    by_topic: dict[int, list[NewPost]] = defaultdict(list)
    for post in posts:
        by_space[post.space_id].append(post)
        by_topic[post.topic_id].append(post)
    news: dict[int, list[TopicNews]] = {}
    for member in members.values():
        found = _member_news(member, by_space, by_topic)
        if found:
            news[member.pk] = found
    return news


def _member_news(
    member: Member, by_space: dict[int, list[NewPost]], by_topic: dict[int, list[NewPost]]
) -> list[TopicNews]:
    topics: dict[int, TopicNews] = {}
    counted: set[int] = set()
    for space_id, topic_id, since in member.follows:
        posts = by_space.get(space_id, []) if space_id else by_topic.get(topic_id or 0, [])
        for post in posts:
            if post.audience_id is not None and post.audience_id != member.category_id:
                continue  # a space outside the member's audience, as it is now
            if post.created_at <= since or post.author_id == member.pk or post.pk in counted:
                continue
            counted.add(post.pk)
            item = topics.setdefault(post.topic_id, TopicNews(post.topic_id))
            if post.created_at > post.topic_started:
                item.replies += 1
            elif post.topic_author_id != member.pk:
                item.new_topic = True
    found = [item for item in topics.values() if item.new_topic or item.replies]
    return sorted(found, key=lambda item: (not item.new_topic, -item.replies, -item.topic_id))


def _write_digest_rows(member_ids: list[int], *, day: date, up_to: datetime) -> set[int]:
    """Write today's digest row for each member who has none yet; returns those written, so a
    run racing this one cannot send the same members a second digest."""
    if not member_ids:
        return set()
    table = connection.ops.quote_name(DigestSent._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(member_ids))
    params: list[Any] = []
    for pk in member_ids:
        params.extend([pk, day, up_to])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (member_id, day, up_to) VALUES {values} "  # noqa: S608 (only placeholders)
            "ON CONFLICT (member_id, day) DO NOTHING RETURNING member_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _context(member_id: int, news: list[TopicNews]) -> dict[str, Any]:
    named = news[:MOST_TOPICS]
    return {
        "user_id": member_id,
        "topics": [[item.topic_id, item.new_topic, item.replies] for item in named],
        "more_topics": len(news) - len(named),
    }


@builds_context(TEMPLATE)
def digest_context(context: dict[str, Any]) -> dict[str, Any]:
    """The topics named, read as the email is sent: only those the member may still read."""
    member = get_user_model().objects.get(pk=context["user_id"])
    if not member.is_active:
        raise NotNeeded("The account was switched off before its digest was sent.")
    wanted = {topic_id: (new, replies) for topic_id, new, replies in context["topics"]}
    readable = Topic.objects.filter(
        pk__in=list(wanted), hidden=False, space__in=Space.objects.visible_to(member)
    ).select_related("space")
    titles = {topic.pk: topic for topic in readable}
    items = [
        {
            "title": titles[topic_id].title,
            "space": titles[topic_id].space.name,
            "url": absolute_url(reverse("discussions:topic", args=[topic_id])),
            "new_topic": new,
            "replies": replies,
        }
        for topic_id, (new, replies) in wanted.items()
        if topic_id in titles
    ]
    if not items:
        raise NotNeeded("Nothing in the digest can still be read by its member.")
    return {
        "name": member.get_short_name() or "member",
        "items": items,
        "discussions_url": absolute_url(reverse("discussions:spaces")),
    }
