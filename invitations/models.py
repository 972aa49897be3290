import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from members.models import Profession, Region
from network.errors import Refused


class Refusal(models.TextChoices):
    """Why joining said no: a code views map to a page, and the words a person reads."""

    MEMBER_ADDRESS = "member_address", "This email address already belongs to a member."
    LIVE_INVITATION = (
        "live_invitation",
        "This email address already has an invitation waiting to be used.",
    )
    NOT_OPEN = "not_open", "This application has already been decided."
    NOT_WAITING_FOR_MORE_INFO = (
        "not_waiting_for_more_info",
        "This application is not waiting for more information.",
    )
    NOT_OPEN_FOR_ENDORSEMENT = (
        "not_open_for_endorsement",
        "The programme board has not opened this application for endorsement.",
    )
    ALREADY_OPEN_FOR_ENDORSEMENT = (
        "already_open_for_endorsement",
        "This application is already open for endorsement.",
    )
    OWN_NOMINATION = (
        "own_nomination",
        "You nominated this person, so your nomination already speaks for them.",
    )
    ALREADY_ENDORSED = "already_endorsed", "You have already endorsed this application."
    CONFLICT = "conflict", "You declared a conflict of interest, so you cannot decide this one."
    ALREADY_APPROVED = (
        "already_approved",
        "You have already approved this application; another board member must too.",
    )
    REASON_REQUIRED = (
        "reason_required",
        "Give a reason: it is kept for the record and, for more information, sent.",
    )
    LINK_INVALID = "link_invalid", "This link is not valid or has expired."
    INVITATION_USED = "invitation_used", "This invitation has already been used"
    INVITATION_EXPIRED = "invitation_expired", "This invitation has expired"
    INVITATION_REVOKED = "invitation_revoked", "This invitation has been withdrawn"
    INVITATION_UNKNOWN = "invitation_unknown", "We do not recognise this invitation link"
    INVITATION_NOT_LAPSED = "invitation_not_lapsed", "This invitation has not reached its expiry."


class ApplicationQuerySet(models.QuerySet["Application"]):
    def for_address(self, email: str) -> "ApplicationQuerySet":
        return self.filter(email__iexact=email.strip())

    def open(self) -> "ApplicationQuerySet":
        return self.filter(status__in=Application.OPEN_STATUSES)

    def open_for_endorsement(self) -> "ApplicationQuerySet":
        """What members may see and endorse: open, and opened to them by the board."""
        return self.open().filter(endorsements_open_at__isnull=False)


class Application(models.Model):
    """Someone asking, or being put forward, to join: the record the board vets."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        MORE_INFO = "more_info", "Waiting for more information"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        DUPLICATE = "duplicate", "Received again: kept beside the first"

    class Source(models.TextChoices):
        INTEREST = "interest", "Expressed interest"
        NOMINATION = "nomination", "Nominated by a member"
        DIRECT = "direct", "Invited directly by the board"

    # Open: the board has still to decide. One per address, which the database enforces.
    OPEN_STATUSES = (Status.PENDING, Status.MORE_INFO)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTEREST)
    name = models.CharField(max_length=150)
    email = models.EmailField()
    job_title = models.CharField(max_length=150)
    organisation = models.CharField(max_length=200)
    profession = models.CharField(max_length=30, choices=Profession.choices)
    region = models.CharField(max_length=30, choices=Region.choices)
    career_aspiration = models.TextField(max_length=1000)
    mentoring_evidence = models.TextField(
        "mentoring record", max_length=5000, help_text="Who they have mentored, and for how long."
    )
    current_mentees = models.PositiveSmallIntegerField("people mentored now", default=0)
    referee = models.CharField(
        "referee who is a member", max_length=200, blank=True, help_text="Name or email address."
    )
    more_info_request = models.TextField(max_length=2000, blank=True)
    more_info_response = models.TextField(max_length=5000, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations",
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name="received again beside",
        help_text="The open application for the same address that this one arrived beside.",
    )
    endorsements_open_at = models.DateTimeField(
        "opened for endorsement",
        null=True,
        blank=True,
        help_text="When the board let members see and endorse this application.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status__in=["pending", "more_info"]),
                name="one_open_application_per_address",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="duplicate_has_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def can_be_endorsed(self) -> bool:
        return self.is_open and self.endorsements_open_at is not None

    def same_as(self, other: "Application", fields: list[str]) -> bool:
        """Whether another submission says nothing this one does not (a double click)."""
        return (
            self.source == other.source
            and self.nominated_by_id == other.nominated_by_id
            and all(getattr(self, f) == getattr(other, f) for f in fields)
        )

    def _require(self, allowed: set[str], code: Refusal, message: str | None = None) -> None:
        if self.status not in allowed:
            raise Refused(code, message)

    def mark_withdrawn(self) -> None:
        # A duplicate can be withdrawn too: a nominee may decline the second nomination alone.
        self._require(
            {*self.OPEN_STATUSES, self.Status.DUPLICATE},
            Refusal.NOT_OPEN,
            "This application has already been decided, so it cannot be withdrawn.",
        )
        self.status = self.Status.WITHDRAWN
        self.save(update_fields=["status", "updated_at"])

    def require_decidable(self) -> None:
        """Only an application waiting for a decision takes one."""
        self._require(
            {self.Status.PENDING},
            Refusal.NOT_OPEN,
            f"This application is {self.get_status_display().lower()}.",
        )

    def mark_rejected(self, *, now: datetime) -> None:
        self.require_decidable()
        self.status, self.decided_at = self.Status.REJECTED, now
        self.save(update_fields=["status", "decided_at", "updated_at"])

    def mark_approved(self, *, now: datetime) -> None:
        self.require_decidable()
        self.status, self.decided_at = self.Status.APPROVED, now
        self.save(update_fields=["status", "decided_at", "updated_at"])

    def mark_more_info(self, *, question: str) -> None:
        self.require_decidable()
        self.status, self.more_info_request = self.Status.MORE_INFO, question
        self.save(update_fields=["status", "more_info_request", "updated_at"])

    def mark_more_info_given(self, *, answer: str) -> None:
        self._require({self.Status.MORE_INFO}, Refusal.NOT_WAITING_FOR_MORE_INFO)
        self.status, self.more_info_response = self.Status.PENDING, answer
        self.save(update_fields=["status", "more_info_response", "updated_at"])

    def mark_open_for_endorsement(self, *, now: datetime) -> None:
        self._require(set(self.OPEN_STATUSES), Refusal.NOT_OPEN)
        if self.endorsements_open_at is not None:
            raise Refused(Refusal.ALREADY_OPEN_FOR_ENDORSEMENT)
        self.endorsements_open_at = now
        self.save(update_fields=["endorsements_open_at", "updated_at"])


class Endorsement(models.Model):
    """A member vouching for an application, once."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="endorsements"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements"
    )
    text = models.TextField(max_length=2000)
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
    reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.created_at:%d %b %Y})"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    """ "Live" has one meaning: sent, not used or revoked, and not past its expiry.

    The database's `one_live_invitation` constraint can only see the stored status, not the
    clock, so a pending invitation past its expiry is marked expired (`expire_lapsed`, under a
    lock in the services and hourly by the job) before anything relies on the constraint. Once
    that has run, the constraint, `live()` and `Invitation.is_live()` say the same thing, as
    tests/invitations/test_live_invitations.py shows for every state.
    """

    def for_address(self, email: str) -> "InvitationQuerySet":
        return self.filter(email__iexact=email.strip())

    def pending(self) -> "InvitationQuerySet":
        return self.filter(status=Invitation.Status.PENDING)

    def live(self, *, now: datetime | None = None) -> "InvitationQuerySet":
        return self.pending().filter(expires_at__gt=now or timezone.now())

    def lapsed(self, *, now: datetime | None = None) -> "InvitationQuerySet":
        """Pending in the database, but past their expiry: waiting to be marked expired."""
        return self.pending().filter(expires_at__lte=now or timezone.now())

    def expire_lapsed(self, *, now: datetime | None = None) -> int:
        return self.lapsed(now=now).update(status=Invitation.Status.EXPIRED)


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
            # Live, as far as the database can tell: see InvitationQuerySet.
            models.UniqueConstraint(
                Lower("email"), condition=Q(status="pending"), name="one_live_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"invitation to {self.email}"

    def token(self) -> str:
        return hmac.new(
            settings.SECRET_KEY.encode(), f"invitation:{self.nonce}".encode(), hashlib.sha256
        ).hexdigest()

    def new_link(self, *, days: int, now: datetime | None = None) -> None:
        """Give the invitation a fresh link and expiry; any earlier link stops working."""
        now = now or timezone.now()
        self.nonce = secrets.token_hex(32)
        self.token_digest = token_digest(self.token())
        self.sent_at = now
        self.expires_at = now + timedelta(days=days)
        self.reminded_at = None

    def is_live(self, *, now: datetime | None = None) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > (now or timezone.now())

    def refusal(self, *, now: datetime | None = None) -> Refusal | None:
        """Why this link cannot be used now, or None."""
        if self.status == self.Status.ACCEPTED:
            return Refusal.INVITATION_USED
        if self.status == self.Status.REVOKED:
            return Refusal.INVITATION_REVOKED
        if not self.is_live(now=now):
            return Refusal.INVITATION_EXPIRED
        return None

    def mark_accepted(self, *, by: Any, now: datetime) -> None:
        if refusal := self.refusal(now=now):
            raise Refused(refusal)
        self.status, self.member, self.accepted_at = self.Status.ACCEPTED, by, now
        self.save(update_fields=["status", "member", "accepted_at"])

    def mark_revoked(self) -> None:
        # A lapsed invitation the job has not reached yet can still be revoked.
        if self.status != self.Status.PENDING:
            raise Refused(
                self.refusal() or Refusal.INVITATION_EXPIRED,
                f"This invitation was {self.get_status_display().lower()}.",
            )
        self.status = self.Status.REVOKED
        self.save(update_fields=["status"])

    def mark_expired(self, *, now: datetime) -> None:
        if self.status != self.Status.PENDING:
            raise Refused(self.refusal(now=now) or Refusal.INVITATION_EXPIRED)
        if self.is_live(now=now):
            raise Refused(Refusal.INVITATION_NOT_LAPSED)
        self.status = self.Status.EXPIRED
        self.save(update_fields=["status"])

    def require_renewable(self) -> None:
        """Used and revoked invitations stay as they are; pending or expired ones can go again."""
        if self.status in (self.Status.ACCEPTED, self.Status.REVOKED):
            raise Refused(
                self.refusal() or Refusal.INVITATION_USED,
                f"This invitation was {self.get_status_display().lower()}.",
            )

    def renew(self, *, days: int, now: datetime) -> None:
        """Send again: a new link and expiry, live again even if it had expired."""
        self.require_renewable()
        self.new_link(days=days, now=now)
        self.status = self.Status.PENDING
        self.save(
            update_fields=[
                "status",
                "nonce",
                "token_digest",
                "sent_at",
                "expires_at",
                "reminded_at",
            ]
        )
