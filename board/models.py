"""The programme board's own records: conduct reports and what was decided, and the guidelines."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Suspension


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> "ReportQuerySet":
        return self.filter(status=Report.Status.OPEN)

    def between(self, member_ids: list[int]) -> "ReportQuerySet":
        """Reports where one of these members reported another of them."""
        return self.filter(reporter__in=member_ids, member__in=member_ids)


class Report(models.Model):
    """A member's concern about another member, a post or an event, for the board to resolve."""

    class Reason(models.TextChoices):
        HARASSMENT = "harassment", "Harassment, bullying or intimidation"
        DISCRIMINATION = "discrimination", "Discrimination or hateful conduct"
        CONFIDENTIALITY = "confidentiality", "Sharing something told in confidence"
        MISREPRESENTATION = "misrepresentation", "Misrepresenting who they are or their role"
        INAPPROPRIATE = "inappropriate", "Inappropriate or offensive content"
        SELLING = "selling", "Selling, recruiting or advertising"
        SAFETY = "safety", "A worry about someone's safety or wellbeing"
        OTHER = "other", "Something else"

    class Subject(models.TextChoices):
        MEMBER = "member", "A member"
        POST = "post", "A post"
        EVENT = "event", "An event"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        RESOLVED = "resolved", "Resolved"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports_made"
    )
    subject = models.CharField(max_length=20, choices=Subject.choices)
    # The member the concern is about: the member reported, or a post's author. Empty for an event.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_about",
    )
    # The post or event reported, by its model's label and number (empty for a member).
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    details = models.TextField(max_length=4000)
    evidence_link = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(subject="member", member__isnull=False, target_id__isnull=True)
                | (~Q(subject="member") & Q(target_id__isnull=False) & ~Q(target_type="")),
                name="report_names_what_it_is_about",
            ),
            models.CheckConstraint(
                condition=~Q(member=models.F("reporter")), name="report_not_about_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk}"


class ReportConflict(models.Model):
    """A board member's declared conflict of interest: they take no part in the report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="conflicts")
    board_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "board_member"], name="report_conflict_once")
        ]

    def __str__(self) -> str:
        return f"conflict on report {self.report_id}"


class Resolution(models.Model):
    """What the board decided on a report, and why: one per report."""

    class Outcome(models.TextChoices):
        NO_ACTION = "no_action", "No action"
        NOTE = "note", "A note on the member's record"
        WARNING = "warning", "A warning"
        SUSPENSION = "suspension", "Suspension"
        REMOVAL = "removal", "Removal from the network"

    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="resolution")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField(max_length=4000)
    suspension = models.OneToOneField(
        Suspension, null=True, blank=True, on_delete=models.PROTECT, related_name="resolution"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="suspension", suspension__isnull=False)
                | (~Q(outcome="suspension") & Q(suspension__isnull=True)),
                name="resolution_suspends_only_when_it_says_so",
            )
        ]

    def __str__(self) -> str:
        return f"Resolution of report {self.report_id}"


class Appeal(models.Model):
    """The member's one appeal against a resolution, decided by a board member who did not."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "The decision stands"
        OVERTURNED = "overturned", "The decision is overturned"

    resolution = models.OneToOneField(Resolution, on_delete=models.PROTECT, related_name="appeal")
    text = models.TextField(max_length=4000)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Appeal on report {self.resolution.report_id}"


class GuidelinesVersionQuerySet(models.QuerySet["GuidelinesVersion"]):
    def published(self) -> "GuidelinesVersionQuerySet":
        return self.filter(published_at__isnull=False).order_by("-published_at", "-pk")


class GuidelinesVersion(models.Model):
    """One version of the operational guidelines and code of conduct, in Markdown.

    A draft is edited freely; once published it never changes, and members accept it by its
    `version` label (recorded in members.GuidelinesAcceptance).
    """

    version = models.CharField(
        max_length=20, unique=True, help_text='A short label members will see, such as "2027-01".'
    )
    title = models.CharField(max_length=200, default="Guidelines and code of conduct")
    body = models.TextField(max_length=50_000, help_text="Markdown: headings, lists and links.")
    change_summary = models.TextField(
        "what changed",
        max_length=2000,
        help_text="Shown to every member when they are asked to accept this version.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = GuidelinesVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "guidelines version"

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
