from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from network.middleware import current_request_id

SETTINGS_CACHE_KEY = "network-settings"


class NetworkSettings(models.Model):
    """What makes this deployment one network or another, edited by the programme board.

    There is exactly one row (pk 1); read it with `NetworkSettings.load()`.
    """

    name = models.CharField(max_length=120, default="Leadership network")
    sponsor = models.CharField(
        max_length=200, blank=True, help_text="The organisations that sponsor and run the network."
    )
    summary = models.TextField(
        "Short description",
        default="An invite-only network of leaders in health and care who mentor each other.",
        help_text="One or two sentences shown on the public home page.",
    )
    eligibility = models.TextField(
        "Who can join",
        default=(
            "Anyone who has built a reputation for mentoring emerging leaders, or who is "
            "mentoring one or more people now, can be invited to join."
        ),
        help_text="Shown to visitors so they can tell whether the network is for them.",
    )
    contact_email = models.EmailField(
        "Contact address",
        default="network@localhost",
        help_text="Where visitors and members can write to the programme board.",
    )
    invitation_expiry_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="How many days an invitation link stays valid.",
    )
    approvals_required = models.PositiveSmallIntegerField(
        "board approvals needed",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="How many board members must approve an application before an invitation goes.",
    )
    guidelines_version = models.CharField(
        max_length=20,
        default="2026-11",
        help_text="Change this when the guidelines change: new members accept the version shown.",
    )
    privacy_version = models.CharField(
        max_length=20,
        default="2026-11",
        help_text="Change this when the privacy notice changes.",
    )
    registration_closes_hours = models.PositiveSmallIntegerField(
        "event changes close (hours before the start)",
        default=2,
        validators=[MaxValueValidator(24 * 14)],
        help_text="Members cannot register or cancel after this, unless an event sets its own.",
    )
    waiting_list_offer_hours = models.PositiveSmallIntegerField(
        "hours to take up a place from the waiting list",
        default=0,
        validators=[MaxValueValidator(24 * 7)],
        help_text=(
            "0: the next person on the waiting list gets a freed place at once. Otherwise they are "
            "offered it and must confirm within this many hours, or it passes to the next person."
        ),
    )
    max_open_requests = models.PositiveSmallIntegerField(
        "open mentoring requests a mentee may have",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    request_reminder_days = models.PositiveSmallIntegerField(
        "days before a mentor is reminded of an unanswered request",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    request_lapse_days = models.PositiveSmallIntegerField(
        "days before an unanswered request lapses",
        default=14,
        validators=[MinValueValidator(2), MaxValueValidator(60)],
        help_text="The mentee is told and is free to ask someone else.",
    )
    lapses_before_pause = models.PositiveSmallIntegerField(
        "lapsed requests before a mentor's offer is paused",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    pairing_term_months = models.PositiveSmallIntegerField(
        "months a mentoring pairing runs",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    check_in_reminder_weeks = models.PositiveSmallIntegerField(
        "weeks without a check-in before a pair is reminded",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    fit_question_weeks = models.PositiveSmallIntegerField(
        'weeks into a pairing when each side is asked "is this working?"',
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    small_numbers_threshold = models.PositiveSmallIntegerField(
        "smallest group a figure may describe",
        default=8,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=(
            "On the impact dashboard and its reports, any figure about fewer people than this "
            'shows as "fewer than" it, so no one can be singled out.'
        ),
    )
    audit_retention_days = models.PositiveIntegerField(
        "days the audit log is kept",
        default=7 * 365 + 2,
        validators=[MinValueValidator(365), MaxValueValidator(20 * 365)],
        help_text="Older entries are deleted each night. Until then no one can change one.",
    )
    match_weights = models.JSONField(
        "weights of the parts of a mentoring match",
        default=dict,
        blank=True,
        help_text="Empty parts use the defaults; the board's page on matching explains each part.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "network settings"
        verbose_name_plural = "network settings"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        self.clear_cache()

    @classmethod
    def load(cls) -> "NetworkSettings":
        settings = cache.get(SETTINGS_CACHE_KEY)
        if settings is None:
            cls.objects.get_or_create(pk=1)
            # Prefetched, the categories travel with the cached copy.
            settings = cls.objects.prefetch_related("categories").get(pk=1)
            cache.set(SETTINGS_CACHE_KEY, settings, timeout=60 * 60)
        return settings

    @classmethod
    def for_request(cls, request: HttpRequest) -> "NetworkSettings":
        """The settings, read from the cache once for a request whichever parts of it ask."""
        settings: NetworkSettings | None = getattr(request, "network_settings", None)
        if settings is None:
            settings = cls.load()
            request.network_settings = settings  # type: ignore[attr-defined]
        return settings

    @staticmethod
    def clear_cache() -> None:
        cache.delete(SETTINGS_CACHE_KEY)
        # A page that reads the settings before this change commits caches the old row again:
        # clear once more when the change is visible to everyone.
        transaction.on_commit(lambda: cache.delete(SETTINGS_CACHE_KEY))


class MembershipCategory(models.Model):
    """A kind of membership the network offers, such as "Member" or "Ally"."""

    settings = models.ForeignKey(
        NetworkSettings, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "membership categories"
        constraints = [
            models.UniqueConstraint(fields=["settings", "name"], name="unique_category_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        NetworkSettings.clear_cache()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        result = super().delete(*args, **kwargs)
        NetworkSettings.clear_cache()
        return result


class MentoringTopic(models.Model):
    """A topic mentors offer and mentees ask for, from the list the programme board keeps."""

    settings = models.ForeignKey(
        NetworkSettings, on_delete=models.CASCADE, related_name="mentoring_topics"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["settings", "name"], name="unique_mentoring_topic")
        ]

    def __str__(self) -> str:
        return self.name


class EmailCategory(models.TextChoices):
    """Why a message is sent. Only essential mail ignores a person's choice to opt out."""

    ESSENTIAL = "essential", "Account and membership"
    EVENTS = "events", "Event announcements and reminders"
    NETWORK_NEWS = "network-news", "News from the network"
    DISCUSSION_DIGEST = "discussion-digest", "Daily digest of the discussions you follow"
    DISCUSSION_REPLIES = "discussion-replies", "Replies to your posts and mentions of you"


# The categories a person may turn off; everything else about their account always goes.
OPTIONAL_EMAIL_CATEGORIES = [c for c in EmailCategory if c != EmailCategory.ESSENTIAL]


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def due(self, *, now: datetime) -> "OutboundEmailQuerySet":
        return self.filter(status=OutboundEmail.Status.QUEUED, send_after__lte=now)

    def stalled(self, *, claimed_before: datetime) -> "OutboundEmailQuerySet":
        return self.filter(status=OutboundEmail.Status.SENDING, claimed_at__lt=claimed_before)

    def needing_attention(self) -> "OutboundEmailQuerySet":
        return self.filter(status__in=[OutboundEmail.Status.FAILED, OutboundEmail.Status.BOUNCED])

    def behind(self, status: str) -> "OutboundEmailQuerySet":
        """Messages that have not yet gone as far as `status`: the only ones a report may move."""
        return self.filter(status__in=OutboundEmail.statuses_behind(status))


class OutboundEmail(models.Model):
    """One message the network has asked to send: the outbox row and, later, its record."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Not sent: the person opted out"
        NOT_NEEDED = "not_needed", "Not sent: no longer needed"

    # How far each status has gone. Reports from the provider move a message only forward, and the
    # last rank is final: a "delivered" report that arrives late never undoes a bounce.
    PROGRESS: ClassVar[dict[str, int]] = {
        Status.QUEUED: 0,
        Status.SENDING: 1,
        Status.SENT: 2,
        Status.DELIVERED: 3,
        Status.BOUNCED: 4,
        Status.COMPLAINED: 4,
        Status.FAILED: 4,
        Status.SUPPRESSED: 4,
        Status.NOT_NEEDED: 4,
    }

    template = models.CharField(max_length=120)
    to_email = models.EmailField("to")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The account the message is for, where the person has one.",
    )
    category = models.CharField(
        max_length=20, choices=EmailCategory.choices, default=EmailCategory.ESSENTIAL
    )
    context = models.JSONField(default=dict, blank=True)
    secret_context = models.JSONField(
        default=dict,
        blank=True,
        help_text="Links that grant access (password resets); erased once the message is sent.",
    )
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "email"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "send_after"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.template} #{self.pk}"

    @classmethod
    def statuses_behind(cls, status: str) -> list[str]:
        return [s for s, rank in cls.PROGRESS.items() if rank < cls.PROGRESS[status]]

    def is_behind(self, status: str) -> bool:
        return self.status in self.statuses_behind(status)


class ProviderEvent(models.Model):
    """One report from the mail provider about a message (delivered, bounced, opened...), kept as
    it came. It holds what the board needs to follow a message, never the address, the reply from
    the receiving server or anything else the provider sends about the person."""

    email = models.ForeignKey(
        OutboundEmail,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provider_events",
        help_text="Empty when the report names a message this site did not send.",
    )
    provider = models.CharField(max_length=40)
    # anymail's names for what happened: delivered, bounced, complained, opened and so on.
    event_type = models.CharField("report", max_length=20)
    reject_reason = models.CharField(max_length=20, blank=True)
    # The provider's own id for the report, where it gives one, so a report it sends again is
    # kept once.
    event_id = models.CharField(max_length=255, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    occurred_at = models.DateTimeField("happened at", null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = "report from the mail provider"
        verbose_name_plural = "reports from the mail provider"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                condition=~models.Q(event_id=""),
                name="unique_provider_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type}"


class EmailOptOut(models.Model):
    """A person's choice to stop one non-essential category of mail, by address."""

    email = models.EmailField()
    category = models.CharField(max_length=20, choices=EmailCategory.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "category"], name="unique_opt_out")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} opt-out"


class Announcement(models.Model):
    """One message to many members, written to the outbox in batches by a task, so the request
    that asks for it pays one insert however large the audience (network.mail.queue_announcement).

    `written_up_to` is the highest account id already handed to the outbox: each batch moves it
    forward in the transaction that writes the batch, so a task that stops half-way, or runs twice,
    writes every message once.
    """

    class Status(models.TextChoices):
        WRITING = "writing", "Writing the messages"
        WRITTEN = "written", "Every message written"

    template = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=EmailCategory.choices)
    context = models.JSONField(default=dict, blank=True)
    # Exactly one of the two says who gets it: a list of account ids, or lookups on the accounts.
    user_ids = models.JSONField(null=True, blank=True)
    audience = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WRITING)
    written_up_to = models.BigIntegerField(default=0)
    messages_written = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user_ids__isnull=True) ^ models.Q(audience__isnull=True),
                name="announcement_has_one_audience",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} announcement #{self.pk}"


class SensitiveCharacteristic(models.Model):
    """A characteristic members may describe themselves by, such as sexual orientation.

    Each network chooses its own; descriptions need the member's explicit consent.
    """

    settings = models.ForeignKey(
        NetworkSettings, on_delete=models.CASCADE, related_name="sensitive_characteristics"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    """Every kind of thing the audit log records, one value each; apps add theirs here."""

    APPLICATION_WITHDRAWN = "application.withdrawn", "Application withdrawn"
    APPLICATION_CONFLICT_DECLARED = "application.conflict_declared", "Conflict of interest declared"
    APPLICATION_APPROVED = "application.approve", "Application approved"
    APPLICATION_REJECTED = "application.reject", "Application rejected"
    APPLICATION_MORE_INFO_ASKED = "application.more_info", "More information asked for"
    APPLICATION_MORE_INFO_GIVEN = "application.more_info_given", "More information given"
    APPLICATION_DUPLICATE_RECEIVED = (
        "application.duplicate_received",
        "Application received again for an open address",
    )
    APPLICATION_OPENED_FOR_ENDORSEMENT = (
        "application.opened_for_endorsement",
        "Application opened for endorsement by members",
    )
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_RESENT = "invitation.resent", "Invitation sent again"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    ACCOUNT_CHANGED = "account.changed", "Account access changed"
    ACCOUNT_DELETED = "account.deleted", "Account deleted"
    EVENT_CREATED = "event.created", "Event created"
    EVENT_EDITED = "event.edited", "Event details edited"
    EVENT_PUBLISHED = "event.published", "Event published"
    EVENT_COPIED = "event.copied", "Event copied"
    EVENT_CAPACITY_CHANGED = "event.capacity_changed", "Event capacity changed"
    EVENT_MOVED = "event.moved", "Event time or place changed"
    EVENT_CANCELLED = "event.cancelled", "Event cancelled"
    EVENT_HELD = "event.held", "Event marked as held"
    ATTENDANCE_MARKED = "event.attendance_marked", "Attendance marked"
    NO_SHOW_CLEARED = "event.no_show_cleared", "No-show cleared"
    LIVING_LIBRARY_CONFIRMED = "event.library_confirmed", "Living library session confirmed"
    MATCHING_ROUND_OPENED = "mentoring.round_opened", "Matching round opened"
    MATCHING_ROUND_MENTEE_ADDED = "mentoring.round_mentee_added", "Mentee added to a matching round"
    MATCHING_ROUND_MATCHED = "mentoring.round_matched", "Matching run for a round"
    MATCHING_ROUND_PAIR_CHANGED = "mentoring.round_pair_changed", "Proposed pair changed"
    MATCHING_ROUND_PUBLISHED = "mentoring.round_published", "Matching round published"
    MENTOR_PAUSED = "mentoring.mentor_paused", "Mentoring offer paused after lapsed requests"
    PAIRING_ENDED_BY_BOARD = "mentoring.pairing_ended", "Pairing ended by the board"
    REPORT_CONFLICT_DECLARED = (
        "report.conflict_declared",
        "Conflict of interest declared on a report",
    )
    REPORT_RAISED = "report.raised", "Concern raised by a member"
    REPORT_RESOLVED = "report.resolved", "Report resolved"
    MEMBER_WARNED = "member.warned", "Member warned"
    MEMBER_SUSPENDED = "member.suspended", "Member suspended"
    SUSPENSION_ENDED = "member.suspension_ended", "Suspension ended"
    MEMBER_REMOVED = "member.removed", "Member removed from the network"
    APPEAL_MADE = "report.appeal_made", "Appeal made"
    APPEAL_DECIDED = "report.appeal_decided", "Appeal decided"
    GUIDELINES_DRAFTED = "guidelines.drafted", "Guidelines draft saved"
    GUIDELINES_PUBLISHED = "guidelines.published", "Guidelines published"
    GUIDELINES_ACCEPTED = "guidelines.accepted", "Guidelines accepted"
    PRIVACY_CHANGED = "member.privacy_changed", "Privacy settings changed"
    CONSENT_GIVEN = "member.consent_given", "Consent given"
    CONSENT_WITHDRAWN = "member.consent_withdrawn", "Consent withdrawn"
    DATA_EXPORTED = "member.data_exported", "Personal data downloaded"
    SETTINGS_CHANGED = "network.settings_changed", "Network settings changed"
    AUDIT_EXPORTED = "audit.exported", "Audit log exported"
    IMPACT_EXPORTED = "impact.exported", "Impact report exported"
    SPACE_CREATED = "discussions.space_created", "Discussion space created"
    SPACE_CHANGED = "discussions.space_changed", "Discussion space changed"
    POST_HIDDEN = "discussions.post_hidden", "Post hidden by the board"
    POST_UNHIDDEN = "discussions.post_unhidden", "Hidden post shown again"
    TOPIC_LOCKED = "discussions.topic_locked", "Topic locked"
    TOPIC_UNLOCKED = "discussions.topic_unlocked", "Topic unlocked"
    TOPIC_PINNED = "discussions.topic_pinned", "Topic pinned"
    TOPIC_UNPINNED = "discussions.topic_unpinned", "Topic unpinned"
    TOPIC_MOVED = "discussions.topic_moved", "Topic moved to another space"
    POST_ESCALATED = "discussions.post_escalated", "Post's author referred for a conduct decision"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, when and why: written once, never changed."""

    # No database-level link: the table refuses every UPDATE, so nothing may cascade into it.
    # Accounts are erased in place, never deleted, so the number keeps naming the same account.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=60, choices=AuditAction.choices)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    # Structured details (ids, field names, old and new states), never free personal text.
    data = models.JSONField(default=dict, blank=True)
    # The request that made the change (the proxy's X-Request-ID or one of our own), so an entry
    # can be matched with the server's logs.
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["created_at"], name="audit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit log is append-only.")


def record(
    *,
    actor: Any,
    action: AuditAction,
    target: models.Model,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=AuditAction(action),
        target_type=target._meta.label,
        target_id=str(target.pk),
        reason=reason,
        data=data or {},
        request_id=current_request_id(),
    )
