"""What the programme board does to keep discussions within the guidelines: hide a post (its
author is told why), lock, pin or move a topic, and undo each.

One function per action. Each checks that a board member asks, locks what it changes, refuses
with `Refused` (nothing changed) when a rule says no, and writes one audit entry naming the post
or topic by number: never a post's words. Opening a conduct report about a post's author is the
board's own record, so it lives in board.reports (`escalate_post`).

A hidden post keeps its words: the board and its author still read them, marked as hidden, and
everyone else reads that the board hid it.
"""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from discussions.models import Post, Space, Topic
from network.errors import Refused
from network.links import absolute_url
from network.mail import NotNeeded, builds_context, queue_email
from network.models import AuditAction, record

MAX_REASON = 2000


class Refusal(models.TextChoices):
    NOT_BOARD = "not_board", "Only the programme board can moderate discussions."
    REASON_REQUIRED = (
        "reason_required",
        "Give a reason. The post's author is sent it.",
    )
    REASON_TOO_LONG = "reason_too_long", f"A reason can be up to {MAX_REASON:,} characters long."
    ALREADY_HIDDEN = "already_hidden", "This post is already hidden."
    NOT_HIDDEN = "not_hidden", "This post is not hidden."
    REMOVED_BY_AUTHOR = (
        "removed_by_author",
        "Its author has removed this post, so there is nothing to hide.",
    )
    ALREADY_LOCKED = "already_locked", "This topic is already locked."
    NOT_LOCKED = "not_locked", "This topic is not locked."
    ALREADY_PINNED = "already_pinned", "This topic is already pinned."
    NOT_PINNED = "not_pinned", "This topic is not pinned."
    SAME_SPACE = "same_space", "The topic is already in that space. Choose another space."


def _check_board(board_member: Any) -> None:
    if not getattr(board_member, "is_authenticated", False) or not board_member.is_board_member:
        raise Refused(Refusal.NOT_BOARD)


@transaction.atomic
def hide_post(*, board_member: Any, post: Post, reason: str, now: datetime | None = None) -> Post:
    """Hide a post from members; its author is emailed the board's reason."""
    _check_board(board_member)
    post = Post.objects.select_for_update(of=("self",)).select_related("author").get(pk=post.pk)
    if post.hidden_at is not None:
        raise Refused(Refusal.ALREADY_HIDDEN)
    if post.removed_by_author_at is not None:
        raise Refused(Refusal.REMOVED_BY_AUTHOR)
    reason = reason.strip()
    if not reason:
        raise Refused(Refusal.REASON_REQUIRED)
    if len(reason) > MAX_REASON:
        raise Refused(Refusal.REASON_TOO_LONG)
    post.hidden_at, post.hidden_reason = now or timezone.now(), reason
    post.save(update_fields=["hidden_at", "hidden_reason"])
    record(
        actor=board_member,
        action=AuditAction.POST_HIDDEN,
        target=post,
        reason=reason,
        data={"topic": post.topic_id, "author": post.author_id},
    )
    author = post.author
    # An erased account has no address to write to.
    if author.is_active:
        queue_email(
            "discussions/post_hidden",
            to=author.email,
            user_id=author.pk,
            context={"post_id": post.pk},
        )
    return post


@transaction.atomic
def unhide_post(*, board_member: Any, post: Post) -> Post:
    """Show a hidden post again. The reason is kept in the audit log, not on the post."""
    _check_board(board_member)
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.hidden_at is None:
        raise Refused(Refusal.NOT_HIDDEN)
    post.hidden_at, post.hidden_reason = None, ""
    post.save(update_fields=["hidden_at", "hidden_reason"])
    record(
        actor=board_member,
        action=AuditAction.POST_UNHIDDEN,
        target=post,
        data={"topic": post.topic_id},
    )
    return post


# Each topic switch: the field, the value it takes, the refusal when it has it already, and the
# audit action.
_SWITCHES = {
    AuditAction.TOPIC_LOCKED: ("locked", True, Refusal.ALREADY_LOCKED),
    AuditAction.TOPIC_UNLOCKED: ("locked", False, Refusal.NOT_LOCKED),
    AuditAction.TOPIC_PINNED: ("pinned", True, Refusal.ALREADY_PINNED),
    AuditAction.TOPIC_UNPINNED: ("pinned", False, Refusal.NOT_PINNED),
}


def _switch(board_member: Any, topic: Topic, action: AuditAction) -> Topic:
    field, value, refusal = _SWITCHES[action]
    _check_board(board_member)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if getattr(topic, field) == value:
        raise Refused(refusal)
    setattr(topic, field, value)
    topic.save(update_fields=[field])
    record(actor=board_member, action=action, target=topic, data={"space": topic.space_id})
    return topic


@transaction.atomic
def lock_topic(*, board_member: Any, topic: Topic) -> Topic:
    """No one can reply to a locked topic; what is there stays readable."""
    return _switch(board_member, topic, AuditAction.TOPIC_LOCKED)


@transaction.atomic
def unlock_topic(*, board_member: Any, topic: Topic) -> Topic:
    return _switch(board_member, topic, AuditAction.TOPIC_UNLOCKED)


@transaction.atomic
def pin_topic(*, board_member: Any, topic: Topic) -> Topic:
    """A pinned topic is listed first in its space."""
    return _switch(board_member, topic, AuditAction.TOPIC_PINNED)


@transaction.atomic
def unpin_topic(*, board_member: Any, topic: Topic) -> Topic:
    return _switch(board_member, topic, AuditAction.TOPIC_UNPINNED)


@transaction.atomic
def move_topic(*, board_member: Any, topic: Topic, space: Space) -> Topic:
    """Move a topic, with its posts, to another space. Its readers become that space's audience:
    a member following it who cannot read the new space simply no longer sees it."""
    _check_board(board_member)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.space_id == space.pk:
        raise Refused(Refusal.SAME_SPACE)
    moved_from = topic.space_id
    topic.space = space
    topic.save(update_fields=["space"])
    record(
        actor=board_member,
        action=AuditAction.TOPIC_MOVED,
        target=topic,
        data={"from_space": moved_from, "to_space": space.pk},
    )
    return topic


# Who may read a space and how it behaves, recorded by value; its words (name, description),
# by field name only.
_SPACE_SETTINGS = ("audience", "position", "announcement_only")


def record_space_change(*, actor: Any, space: Space, changed: list[str], new: bool) -> None:
    """Audit the board creating or changing a space (called as the admin saves it)."""
    if not new and not changed:
        return
    values = {
        field: getattr(space, f"{field}_id" if field == "audience" else field)
        for field in _SPACE_SETTINGS
        if new or field in changed
    }
    record(
        actor=actor,
        action=AuditAction.SPACE_CREATED if new else AuditAction.SPACE_CHANGED,
        target=space,
        data={"fields": sorted(changed), **values},
    )


@builds_context("discussions/post_hidden")
def post_hidden_context(context: dict[str, Any]) -> dict[str, Any]:
    post = Post.objects.select_related("author", "topic").get(pk=context["post_id"])
    if post.hidden_at is None:
        raise NotNeeded  # shown again before the message went
    return {
        "name": post.author.name or "member",
        "topic_title": post.topic.title,
        "reason": post.hidden_reason,
        "topic_url": absolute_url(reverse("discussions:topic", args=[post.topic_id])),
    }
