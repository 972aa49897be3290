"""Discussion spaces the board sets up, the topics members start in them, and the posts in each.

A space's audience is everyone or one membership category; `Space.objects.visible_to(user)` is
the one definition of who may read a space, and every page goes through it.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Profile
from members.services import erased_address

MAX_BODY = 20_000
MAX_TITLE = 200
# How long after posting its author may still change a post.
EDIT_WINDOW = timedelta(minutes=30)
FORMER_MEMBER = "A former member"


class Refusal(models.TextChoices):
    """Why a discussion said no: a code views map to a page, and the words a member reads."""

    NOT_IN_AUDIENCE = "not_in_audience", "This space is for a different group of members."
    ANNOUNCEMENTS_ONLY = (
        "announcements_only",
        "Only the programme board posts in this space.",
    )
    CANNOT_POST = "cannot_post", "Your account cannot post in discussions."
    LOCKED = "locked", "This topic is locked, so no one can reply to it."
    NOT_YOUR_POST = "not_your_post", "You can only change your own posts."
    EDIT_WINDOW_PASSED = (
        "edit_window_passed",
        "You can only edit a post in the first 30 minutes after you write it.",
    )
    ALREADY_REMOVED = "already_removed", "This post has already been removed."
    EMPTY = "empty", "Write something before you post."
    TOO_LONG = "too_long", f"A post can be up to {MAX_BODY:,} characters long."
    NO_TITLE = "no_title", f"Give your topic a title of up to {MAX_TITLE} characters."


class SpaceQuerySet(models.QuerySet["Space"]):
    def visible_to(self, user: Any) -> "SpaceQuerySet":
        """Spaces this person may read: none for anyone signed out or switched off (suspended,
        erased); for a member, spaces for everyone and for their own category."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        category = Profile.objects.filter(user=user, category__isnull=False).values("category")
        return self.filter(Q(audience__isnull=True) | Q(audience__in=category))


class Space(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(max_length=1000, blank=True)
    audience = models.ForeignKey(
        "network.MembershipCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="only for members in the category",
        help_text="Leave empty for a space every member can read.",
    )
    position = models.PositiveIntegerField(default=0)
    announcement_only = models.BooleanField(
        "announcements only", default=False, help_text="Only the programme board starts topics."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class TopicQuerySet(models.QuerySet["Topic"]):
    def listed(self) -> "TopicQuerySet":
        return self.filter(hidden=False).order_by("-pinned", "-last_post_at", "-pk")


class Topic(models.Model):
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="topics")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discussion_topics"
    )
    title = models.CharField(max_length=MAX_TITLE)
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now)
    # Replies after the opening post, kept as each reply is written so lists never count.
    reply_count = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                "space",
                models.F("pinned").desc(),
                models.F("last_post_at").desc(),
                models.F("id").desc(),
                name="topics_of_a_space",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discussion_posts"
    )
    body = models.TextField(max_length=MAX_BODY)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_by_author_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["topic", "created_at", "id"], name="posts_of_a_topic")]

    def __str__(self) -> str:
        return f"post {self.pk}"

    def can_be_edited(self, *, by: Any, now: Any) -> bool:
        return (
            self.author_id == by.pk
            and self.removed_by_author_at is None
            and now - self.created_at <= EDIT_WINDOW
        )


def author_name(user: Any) -> str:
    """The name shown beside a post: an erased account keeps its row, with neither name nor
    address of the person who had it."""
    if user.email == erased_address(user.pk) or not user.name:
        return FORMER_MEMBER
    return str(user.name)
