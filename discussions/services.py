"""Every change members make to discussions: starting a topic, replying, editing and removing
their own posts. Each locks what it changes, checks the rules and refuses with a `Refused`
(nothing changed) when one says no."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from discussions import following, notify, resources
from discussions.models import MAX_BODY, MAX_TITLE, Post, Refusal, Space, Topic
from network.errors import Refused


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Refused(Refusal.EMPTY)
    if len(body) > MAX_BODY:
        raise Refused(Refusal.TOO_LONG)
    return body


def _check_can_post(author: Any, space: Space) -> None:
    if not author.is_active:
        raise Refused(Refusal.CANNOT_POST)
    if not Space.objects.visible_to(author).filter(pk=space.pk).exists():
        raise Refused(Refusal.NOT_IN_AUDIENCE)


@transaction.atomic
def start_topic(
    *, author: Any, space: Space, title: str, body: str, now: datetime | None = None
) -> Topic:
    now = now or timezone.now()
    _check_can_post(author, space)
    if space.announcement_only and not author.is_board_member:
        raise Refused(Refusal.ANNOUNCEMENTS_ONLY)
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise Refused(Refusal.NO_TITLE)
    body = _check_body(body)
    topic = Topic.objects.create(
        space=space, author=author, title=title, created_at=now, last_post_at=now
    )
    post = Post.objects.create(topic=topic, author=author, body=body, created_at=now)
    following.follows_written(member=author, topic=topic)
    mentioned = notify.record_mentions(post, space=space, author=author)
    notify.after_writing(post, topic=topic, new_mentions=mentioned)
    return topic


@transaction.atomic
def reply(
    *,
    author: Any,
    topic: Topic,
    body: str,
    reply_to: object = None,
    now: datetime | None = None,
) -> Post:
    """A reply; `reply_to` is the id of the post it quotes, kept only while that post is there to
    quote (one removed or hidden meanwhile is simply not linked)."""
    now = now or timezone.now()
    topic = Topic.objects.select_for_update().select_related("space").get(pk=topic.pk)
    _check_can_post(author, topic.space)
    if topic.hidden:
        raise Refused(Refusal.NOT_IN_AUDIENCE)
    if topic.locked:
        raise Refused(Refusal.LOCKED)
    body = _check_body(body)
    quoted = notify.quotable(Post.objects.all(), reply_to, topic_id=topic.pk)
    post = Post.objects.create(
        topic=topic, author=author, body=body, created_at=now, reply_to=quoted
    )
    Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") + 1, last_post_at=now)
    following.follows_written(member=author, topic=topic)
    mentioned = notify.record_mentions(post, space=topic.space, author=author)
    notify.after_writing(post, topic=topic, new_mentions=mentioned, quoted=quoted, is_reply=True)
    return post


@transaction.atomic
def edit_post(*, author: Any, post: Post, body: str, now: datetime | None = None) -> Post:
    now = now or timezone.now()
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.author_id != author.pk:
        raise Refused(Refusal.NOT_YOUR_POST)
    if post.removed_by_author_at is not None:
        raise Refused(Refusal.ALREADY_REMOVED)
    if post.hidden_at is not None:
        raise Refused(Refusal.HIDDEN)
    if not post.can_be_edited(by=author, now=now):
        raise Refused(Refusal.EDIT_WINDOW_PASSED)
    post.body = _check_body(body)
    post.edited_at = now
    post.save(update_fields=["body", "edited_at"])
    topic = Topic.objects.select_related("space").get(pk=post.topic_id)
    mentioned = notify.record_mentions(post, space=topic.space, author=author)
    notify.after_writing(post, topic=topic, new_mentions=mentioned)
    return post


@transaction.atomic
def remove_own_post(*, author: Any, post: Post, now: datetime | None = None) -> Post:
    """The post's words go; its place in the topic stays, saying its author removed it."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.author_id != author.pk:
        raise Refused(Refusal.NOT_YOUR_POST)
    if post.removed_by_author_at is not None:
        raise Refused(Refusal.ALREADY_REMOVED)
    post.body = ""
    post.removed_by_author_at = now or timezone.now()
    post.save(update_fields=["body", "removed_by_author_at"])
    resources.forget_documents_of([post])
    return post
