"""Mentoring: requests between members, matching rounds the board runs, and the pairings that
come of both, with their check-ins, the "is this working?" question and the close-out.

A mentor's offer and a mentee's goals live with the profile (members.Profile: mentoring_status,
capacity, topics, formats, goals and preferences), shown to whom the member chose. Every change
of state happens in mentoring.services; docs/data-model.md describes the states.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import MentoringFormat


class Refusal(models.TextChoices):
    """Why mentoring said no: a code views map to a page, and the words a member reads."""

    NOT_ACCEPTING = "not_accepting", "This mentor is not taking on mentees just now."
    AT_CAPACITY = "at_capacity", "This mentor has as many mentees as they can support just now."
    OWN_REQUEST = "own_request", "You cannot ask yourself to be your mentor."
    TOO_MANY_REQUESTS = (
        "too_many_requests",
        "You already have as many open requests as the network allows. Wait for an answer, or "
        "withdraw one, before asking someone else.",
    )
    ALREADY_ASKED = (
        "already_asked",
        "You have already asked this mentor, and they have not answered.",
    )
    ALREADY_PAIRED = "already_paired", "You are already paired with this mentor."
    NOT_SUGGESTED = (
        "not_suggested",
        "The network's mentoring rules do not allow this pairing (for example, a past pairing).",
    )
    NOTE_NEEDED = "note_needed", "Write a short note to introduce yourself."
    NOT_OPEN = "not_open", "This request has already been answered, withdrawn or has lapsed."
    LAPSED = "lapsed", "This request has lapsed, so it can no longer be accepted."
    NOT_YOURS = "not_yours", "This is not yours to change."
    QUESTION_NEEDED = "question_needed", "Write the question you would like to ask."
    NO_QUESTION = "no_question", "There is no question waiting for your answer."
    REASON_NEEDED = "reason_needed", "Choose a reason from the list."
    NOT_PROPOSED = "not_proposed", "This pairing is not waiting for an answer."
    NOT_ACTIVE = "not_active", "This pairing is not running."
    CHECK_IN_IN_FUTURE = "check_in_in_future", "A check-in cannot be dated in the future."
    CHECK_IN_BEFORE_START = (
        "check_in_before_start",
        "A check-in cannot be before the pairing began.",
    )
    FIT_TOO_EARLY = "fit_too_early", "The question about how it is going opens a few weeks in."
    FIT_ANSWERED = "fit_answered", "You have already answered this question."
    NOT_ENDED = "not_ended", "Close-out feedback opens when the pairing ends."
    CLOSE_OUT_GIVEN = "close_out_given", "You have already given your close-out feedback."
    ROUND_NOT_OPEN = "round_not_open", "This matching round is no longer taking mentees."
    ROUND_NOT_MATCHED = "round_not_matched", "Run the matching before publishing the round."
    ROUND_PUBLISHED = "round_published", "This matching round has already been published."
    ALREADY_IN_ROUND = "already_in_round", "This mentee is already in the round."
    GOALS_NEEDED = (
        "goals_needed",
        "Say what you hope to achieve, or choose the topics you would like help with, before "
        "joining a matching round.",
    )
    PAIR_NOT_ALLOWED = "pair_not_allowed", "The mentoring rules do not allow this pair."
    MENTOR_FULL = "mentor_full", "This mentor has no capacity left in the round."


class DeclineReason(models.TextChoices):
    """A mentor's reason for saying no, chosen from kind words; the mentee sees the kind message."""

    NO_CAPACITY = "no_capacity", "I do not have the time to give a mentee just now"
    NOT_MY_AREA = "not_my_area", "Your goals are outside what I can best help with"
    BETTER_MATCH = "better_match", "Someone else in the network would be a better match"
    PERSONAL = "personal", "Personal circumstances"


class MentoringRequestQuerySet(models.QuerySet["MentoringRequest"]):
    def open(self) -> "MentoringRequestQuerySet":
        """Waiting for the mentor: new, or asked a question (the one definition of "open")."""
        return self.filter(status__in=MentoringRequest.OPEN)


class MentoringRequest(models.Model):
    """A mentee asking one mentor, with a short note. It never hangs: the mentor answers, or it
    is reminded once and then lapses (network settings)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for the mentor"
        QUESTION = "question", "The mentor asked a question"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        LAPSED = "lapsed", "Lapsed without an answer"
        WITHDRAWN = "withdrawn", "Withdrawn by the mentee"

    OPEN = (Status.WAITING, Status.QUESTION)

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_requests_made"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mentoring_requests_received",
    )
    note = models.TextField(max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    question = models.TextField(max_length=1000, blank=True)
    answer = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The clock the reminder and lapse run from: it starts again when the mentee answers a
    # question, since the mentor then owes the next word.
    waiting_since = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = MentoringRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=Q(status__in=["waiting", "question"]),
                name="one_open_request_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="no_request_to_oneself"
            ),
        ]
        indexes = [models.Index(fields=["status", "waiting_since"], name="request_clock")]

    def __str__(self) -> str:
        return f"Mentoring request #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class PairingQuerySet(models.QuerySet["Pairing"]):
    def live(self) -> "PairingQuerySet":
        """Pairings that hold a place in the mentor's capacity: proposed or active."""
        return self.filter(status__in=Pairing.LIVE)

    def of(self, member: Any) -> "PairingQuerySet":
        return self.filter(Q(mentor=member) | Q(mentee=member))

    def keeping_apart(self) -> "PairingQuerySet":
        """Pairings that keep their two members from being paired again: live now, or begun
        once; a pairing declined before it began does not count."""
        return self.filter(Q(status__in=Pairing.LIVE) | Q(started_on__isnull=False))

    def with_check_ins(self) -> "PairingQuerySet":
        """Each pairing with its number of check-ins and the date of the last one: all the board
        may know of a pair's meetings (never what was said)."""
        check_ins = CheckIn.objects.filter(pairing=OuterRef("pk")).order_by().values("pairing")
        return self.annotate(
            check_in_count=Coalesce(
                Subquery(check_ins.annotate(count=Count("pk")).values("count")), 0
            ),
            last_check_in=Subquery(check_ins.annotate(last=Max("held_on")).values("last")),
        )

    def stalled(self, *, since: date) -> "PairingQuerySet":
        """Active pairings with no check-in after `since` (counting from the start when they
        have had none): the pairings the check-in reminder is for."""
        return (
            self.with_check_ins()
            .filter(status=Pairing.Status.ACTIVE)
            .filter(
                Q(last_check_in__lte=since) | Q(last_check_in__isnull=True, started_on__lte=since)
            )
        )


class Pairing(models.Model):
    """A mentor and a mentee working together over an agreed term."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        ENDED_EARLY = "ended_early", "Ended early"

    class Origin(models.TextChoices):
        REQUEST = "request", "A request the mentor accepted"
        ROUND = "round", "A matching round"

    LIVE = (Status.PROPOSED, Status.ACTIVE)

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairings_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pairings_as_mentee"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    request = models.OneToOneField(
        MentoringRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairing"
    )
    round = models.ForeignKey(
        "MatchingRound", null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    # A proposed pairing becomes active when both sides have said yes.
    mentor_agreed_at = models.DateTimeField(null=True, blank=True)
    mentee_agreed_at = models.DateTimeField(null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(default=6)
    agreed_goals = models.TextField(max_length=2000, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    started_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each side may ask to go on past the term; the pairing is extended only if both do.
    mentor_wants_extension = models.BooleanField(default=False)
    mentee_wants_extension = models.BooleanField(default=False)
    # Claimed by conditional updates, so each reminder goes once per period.
    check_in_reminded_at = models.DateTimeField(null=True, blank=True)
    fit_asked_at = models.DateTimeField(null=True, blank=True)
    # Set while one side is suspended: no reminders or prompts go out until it is lifted.
    paused_at = models.DateTimeField(null=True, blank=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=["proposed", "active"]),
                name="one_live_pairing_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentee=models.F("mentor")), name="no_pairing_with_oneself"
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(started_on__isnull=False, ends_on__isnull=False),
                name="active_pairing_has_term",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_on"], name="pairing_term")]

    def __str__(self) -> str:
        return f"Pairing #{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def involves(self, member: Any) -> bool:
        return member.pk in (self.mentor_id, self.mentee_id)

    def partner_of(self, member: Any) -> Any:
        return self.mentee if member.pk == self.mentor_id else self.mentor


class CheckIn(models.Model):
    """A meeting of the pair. Its notes are the pair's alone: not the board's, not the
    operator's; the board sees only that check-ins happen, and when."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="check_ins")
    held_on = models.DateField()
    format = models.CharField(max_length=20, choices=MentoringFormat.choices)
    notes = models.TextField(max_length=5000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["pairing", "held_on"], name="check_in_pairing")]

    def __str__(self) -> str:
        return f"Check-in #{self.pk}"


class FitAnswer(models.Model):
    """One side's private answer to "is this working?", a few weeks into a pairing."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="fit_answers")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    working = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pairing", "member"], name="one_fit_answer_each")
        ]

    def __str__(self) -> str:
        return f"Fit answer #{self.pk}"


class CloseOut(models.Model):
    """One side's feedback at the end of a pairing."""

    class GoalsMet(models.TextChoices):
        YES = "yes", "Yes"
        PARTLY = "partly", "Partly"
        NO = "no", "No"

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="close_outs")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    goals_met = models.CharField(max_length=10, choices=GoalsMet.choices)
    would_recommend = models.BooleanField()
    for_the_record = models.CharField("a line for the record", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pairing", "member"], name="one_close_out_each")
        ]

    def __str__(self) -> str:
        return f"Close-out #{self.pk}"


class MatchingRound(models.Model):
    """The board matching many waiting mentees at once: open (mentees join or are added),
    matched (proposals to review, swap or remove), published (pairings proposed to both sides)."""

    class Status(models.TextChoices):
        OPEN = "open", "Taking mentees"
        MATCHED = "matched", "Proposals ready for review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=120)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    matched_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The round's figures at its last run: matched, unmatched and why, average score, capacity.
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class RoundEntry(models.Model):
    """A mentee taking part in a matching round."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="entries")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="round_entries"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The board member who added them; empty when the mentee joined themselves.",
    )
    joined_at = models.DateTimeField(default=timezone.now)
    # Why the last run left them unmatched, in words for the board (empty when matched).
    unmatched_because = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="one_entry_per_mentee")
        ]

    def __str__(self) -> str:
        return f"Round entry #{self.pk}"


class Proposal(models.Model):
    """A pair the matching proposed (or the board chose), with its score and reasons."""

    round = models.ForeignKey(MatchingRound, on_delete=models.CASCADE, related_name="proposals")
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    # The score's named parts and the top reasons in words, as the board reviews them.
    parts = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    chosen_by_board = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "mentee"], name="one_proposal_per_mentee")
        ]

    def __str__(self) -> str:
        return f"Proposal #{self.pk}"
