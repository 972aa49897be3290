import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Profession, Region


class Application(models.Model):
    """Someone asking, or being put forward, to join: the record the board vets."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        MORE_INFO = "more_info", "Waiting for more information"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Source(models.TextChoices):
        INTEREST = "interest", "Expressed interest"
        NOMINATION = "nomination", "Nominated by a member"
        DIRECT = "direct", "Invited directly by the board"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTEREST)
    name = models.CharField(max_length=150)
    email = models.EmailField()
    job_title = models.CharField(max_length=150)
    organisation = models.CharField(max_length=200)
    profession = models.CharField(max_length=30, choices=Profession.choices)
    region = models.CharField(max_length=30, choices=Region.choices)
    career_aspiration = models.TextField()
    mentoring_evidence = models.TextField(
        "mentoring record", help_text="Who they have mentored, and for how long."
    )
    current_mentees = models.PositiveSmallIntegerField("people mentored now", default=0)
    referee = models.CharField(
        "referee who is a member", max_length=200, blank=True, help_text="Name or email address."
    )
    more_info_request = models.TextField(blank=True)
    more_info_response = models.TextField(blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(status__in=["pending", "more_info"]),
                name="one_open_application_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.MORE_INFO}


class Endorsement(models.Model):
    """A member vouching for an application, once."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="endorsements"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="endorse_once")
        ]

    def __str__(self) -> str:
        return f"endorsement of {self.application_id}"


class Conflict(models.Model):
    """A board member's declared conflict of interest: they take no part in the decision."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    board_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "board_member"], name="conflict_once")
        ]

    def __str__(self) -> str:
        return "conflict of interest"


class Decision(models.Model):
    """One board member's decision on an application, kept for the record."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        MORE_INFO = "more_info", "Ask for more information"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    board_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.created_at:%d %b %Y})"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def live(self, *, now: Any = None) -> "InvitationQuerySet":
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A single-use link to create an account. Only the link's SHA-256 digest is stored.

    The link is an HMAC of a random 256-bit nonce under SECRET_KEY, so the invitation email can
    be rendered when it is sent without the link ever being written down.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Sent, not yet used"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    nonce = models.CharField(max_length=64, editable=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(status="pending"), name="one_live_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"invitation to {self.email}"

    def token(self) -> str:
        return hmac.new(
            settings.SECRET_KEY.encode(), f"invitation:{self.nonce}".encode(), hashlib.sha256
        ).hexdigest()

    def new_link(self, *, days: int) -> None:
        """Give the invitation a fresh link and expiry; any earlier link stops working."""
        now = timezone.now()
        self.nonce = secrets.token_hex(32)
        self.token_digest = token_digest(self.token())
        self.sent_at = now
        self.expires_at = now + timedelta(days=days)
        self.reminded_at = None

    def refusal(self, *, now: Any = None) -> str | None:
        """Why this link cannot be used now, in words for the person holding it, or None."""
        if self.status == self.Status.ACCEPTED:
            return "used"
        if self.status == self.Status.REVOKED:
            return "revoked"
        if self.status == self.Status.EXPIRED or self.expires_at <= (now or timezone.now()):
            return "expired"
        return None
