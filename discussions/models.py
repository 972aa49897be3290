"""Discussion spaces the board sets up, the topics members start in them, and the posts in each.

A space's audience is everyone or one membership category; `Space.objects.visible_to(user)` is
the one definition of who may read a space, and every page goes through it.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Profile
from members.services import erased_address

MAX_BODY = 20_000
MAX_TITLE = 200
# How long after posting its author may still change a post.
EDIT_WINDOW = timedelta(minutes=30)
# Posts on each page of a topic: its pages and the links to one post (in emails) agree on it.
POSTS_PER_PAGE = 50
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
    HIDDEN = "hidden", "The programme board has hidden this post, so it cannot be changed."
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
    # Knowledge worth keeping (a guide, a job description, an interview experience), listed by tag.
    is_resource = models.BooleanField("resource", default=False)
    tags = models.ManyToManyField("network.MentoringTopic", blank=True, related_name="+")
    # Kept from the title by a database trigger (migration 0004) with a GIN index: PostgreSQL only.
    search_vector = SearchVectorField(null=True, editable=False)

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
    # The post this one quotes, so its author hears of the reply.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["topic", "created_at", "id"], name="posts_of_a_topic")]

    def __str__(self) -> str:
        return f"post {self.pk}"

    def can_be_edited(self, *, by: Any, now: Any) -> bool:
        return (
            self.author_id == by.pk
            and self.removed_by_author_at is None
            and self.hidden_at is None
            and now - self.created_at <= EDIT_WINDOW
        )


class Attachment(models.Model):
    """A PDF or Word document on a post, stored privately and served only to those who may read
    the post."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word document"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="discussions/%Y/%m/")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Mention(models.Model):
    """A member named with @ in a post: one row each, so an edit tells only those newly named."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_mention_per_post")
        ]

    def __str__(self) -> str:
        return f"mention in post {self.post_id}"


class Follow(models.Model):
    """A member following a whole space or one topic, for the daily digest."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_follows"
    )
    space = models.ForeignKey(
        Space, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(space__isnull=True) ^ Q(topic__isnull=True),
                name="follow_a_space_or_a_topic",
            ),
            models.UniqueConstraint(
                fields=["member", "space"],
                condition=Q(space__isnull=False),
                name="follow_a_space_once",
            ),
            models.UniqueConstraint(
                fields=["member", "topic"],
                condition=Q(topic__isnull=False),
                name="follow_a_topic_once",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"follow of topic {self.topic_id}"
            if self.topic_id
            else f"follow of space {self.space_id}"
        )


class ReadMark(models.Model):
    """How far a member has read a topic: one row per member and topic, not one per post. A topic
    is unread while its last post is newer than `read_at`."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="read_marks")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="one_read_mark_per_topic")
        ]

    def __str__(self) -> str:
        return f"read mark on topic {self.topic_id}"


class DigestSent(models.Model):
    """One row per member per day a digest was queued: the rule that makes a re-run send nothing."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # Where the digest read up to, so the next day's starts there.
    up_to = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="one_digest_a_day")]

    def __str__(self) -> str:
        return f"digest of {self.day}"


def author_name(user: Any) -> str:
    """The name shown beside a post: an erased account keeps its row, with neither name nor
    address of the person who had it."""
    if user.email == erased_address(user.pk) or not user.name:
        return FORMER_MEMBER
    return str(user.name)
