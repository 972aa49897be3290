"""A member's mentoring record: the mentees they support now, the pairings they completed, the
close-outs whose mentee would recommend them, and the applicants they endorsed.

The record is part of the mentoring offer: it is shown only to the audience the member chose for
their offer ("mentoring_offer" in members/privacy.py), on their profile page (through the
`mentoring_record` template tag) and in the reputation summary the board reads when vetting an
application the member nominated or endorsed (through network.vetting). Records for any number
of members are read in one query.

The impact figures count the career milestones mentees reach during or after a pairing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from invitations.models import Endorsement
from members.models import CareerMilestone, Profile
from members.privacy import BOARD_SITE, Viewer
from mentoring.models import CloseOut, Pairing


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True)
class MentoringRecord:
    """What a member has done as a mentor in the network, in counts."""

    active_mentees: int = 0
    completed_pairings: int = 0
    # Close-outs from their mentees saying they would recommend them as a mentor.
    positive_close_outs: int = 0
    endorsements_given: int = 0

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.active_mentees,
                self.completed_pairings,
                self.positive_close_outs,
                self.endorsements_given,
            )
        )

    @property
    def rows(self) -> list[tuple[str, str]]:
        """The record as a page shows it: (what, how many) in words."""
        return [
            ("Mentoring now", _plural(self.active_mentees, "mentee", "mentees")),
            ("Pairings completed", _plural(self.completed_pairings, "pairing", "pairings")),
            (
                "Mentees who would recommend them",
                _plural(self.positive_close_outs, "mentee", "mentees"),
            ),
            ("Applicants endorsed", _plural(self.endorsements_given, "applicant", "applicants")),
        ]

    def __str__(self) -> str:
        if self.is_empty:
            return "no pairings or endorsements in the network yet"
        return (
            f"mentoring {_plural(self.active_mentees, 'person', 'people')} now, "
            f"{_plural(self.completed_pairings, 'pairing', 'pairings')} completed, "
            f"recommended by {_plural(self.positive_close_outs, 'mentee', 'mentees')} at the "
            f"close-out, {_plural(self.endorsements_given, 'applicant', 'applicants')} endorsed"
        )


def _count(rows: QuerySet[Any], by: str) -> Coalesce:
    """How many of `rows` belong to the outer member, as a subquery (0 when none)."""
    counted = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_records(profiles: QuerySet[Profile]) -> QuerySet[Profile]:
    member = OuterRef("user_id")
    mentoring = Pairing.objects.filter(mentor=member)
    # The mentee's word, whoever gave it: an erased mentee's close-out has no member but still
    # counts, and a mentor's own close-out never does.
    recommendations = CloseOut.objects.filter(pairing__mentor=member, would_recommend=True).exclude(
        member=F("pairing__mentor")
    )
    return profiles.annotate(
        record_active=_count(mentoring.filter(status=Pairing.Status.ACTIVE), "mentor"),
        record_completed=_count(mentoring.filter(status=Pairing.Status.COMPLETED), "mentor"),
        record_positive=_count(recommendations, "pairing__mentor"),
        record_endorsements=_count(Endorsement.objects.filter(member=member), "member"),
    )


def _record_of(profile: Any) -> MentoringRecord:
    return MentoringRecord(
        active_mentees=profile.record_active,
        completed_pairings=profile.record_completed,
        positive_close_outs=profile.record_positive,
        endorsements_given=profile.record_endorsements,
    )


def records_for(member_ids: Iterable[int]) -> dict[int, MentoringRecord]:
    """Each member's record, whoever may see it, in one query (for counts and tests)."""
    profiles = _with_records(Profile.objects.filter(pk__in=list(member_ids)).only("pk"))
    return {profile.pk: _record_of(profile) for profile in profiles}


def shown_records(member_ids: Iterable[int], *, viewer: Viewer) -> dict[int, MentoringRecord]:
    """The records of those members who show their mentoring offer to `viewer`, in one query.

    A member who keeps their offer to themselves ("only me") has no record here for anyone but
    themselves, the board included."""
    profiles = _with_records(Profile.objects.filter(pk__in=list(member_ids)).only("visibility"))
    return {
        profile.pk: _record_of(profile)
        for profile in profiles
        if profile.visible_to(viewer).shows("mentoring_offer")
    }


def record_shown_to(profile: Profile, viewer: Viewer) -> MentoringRecord | None:
    """One member's record if `viewer` may see it (no query when they may not)."""
    if not profile.visible_to(viewer).shows("mentoring_offer"):
        return None
    return shown_records([profile.pk], viewer=viewer).get(profile.pk)


@dataclass(frozen=True)
class MilestonesAfterMentoring:
    """Career milestones mentees reached once a pairing had begun: during it, or after it."""

    during: int
    after: int
    mentees: int  # how many mentees reached at least one

    @property
    def total(self) -> int:
        return self.during + self.after


def milestones_after_mentoring(
    *, since: date | None = None, until: date | None = None
) -> MilestonesAfterMentoring:
    """The impact figures' count of milestones mentees reached during or after a pairing (one
    that began: proposed and declined pairings never ran). Each milestone counts once, as during
    a pairing if any pairing of theirs was running that day. Two queries, whatever the size."""
    started = Pairing.objects.filter(
        mentee=OuterRef("profile__user_id"),
        started_on__isnull=False,
        started_on__lte=OuterRef("achieved_on"),
    )
    running = started.annotate(ended_on=TruncDate("ended_at")).filter(
        Q(ended_at__isnull=True) | Q(ended_on__gte=OuterRef("achieved_on"))
    )
    milestones = CareerMilestone.objects.filter(Exists(started))
    if since:
        milestones = milestones.filter(achieved_on__gte=since)
    if until:
        milestones = milestones.filter(achieved_on__lte=until)
    counts = milestones.annotate(was_running=Exists(running)).aggregate(
        during=Count("pk", filter=Q(was_running=True)),
        after=Count("pk", filter=Q(was_running=False)),
    )
    mentees = milestones.values("profile").distinct().count()
    return MilestonesAfterMentoring(during=counts["during"], after=counts["after"], mentees=mentees)


def for_vetting(member_ids: Sequence[int]) -> dict[int, str]:
    """The record in the board's reputation summary of an application (network.vetting), for
    each nominator and endorser who shows their mentoring offer to the board."""
    return {pk: str(record) for pk, record in shown_records(member_ids, viewer=BOARD_SITE).items()}
