"""Demo mentoring for trying the site and for benchmarks: the board's topic list, offers and
goals on the named demo members, requests in every state, pairings in every state (proposed,
active with check-ins, completed with close-outs, declined, ended early), a published matching
round and an open one with mentees waiting.

Dates are relative to the day the demo is made. Running it again changes nothing.
"""

import random
from collections.abc import Collection, Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.models import (
    MentoringFormat,
    MentoringStatus,
    ProfessionPreference,
    Profile,
    User,
)
from mentoring.models import (
    CheckIn,
    CloseOut,
    DeclineReason,
    FitAnswer,
    MatchingRound,
    MentoringRequest,
    Pairing,
    Proposal,
    RoundEntry,
)
from network.models import MentoringTopic, NetworkSettings

# The board's list of topics, as a leadership network in health and care would keep it.
TOPICS = [
    "Board governance",
    "Finance for non-finance leaders",
    "Quality improvement",
    "System working",
    "Leading through change",
    "Non-executive roles",
    "Interview preparation",
    "Inclusive leadership",
    "Clinical leadership",
    "Digital and data",
    "Workforce and culture",
    "Returning from leave",
]
# Each preset's open round, whose title tells whether this preset's mentoring is already made.
OPEN_ROUND = {
    "women-leaders": "Autumn round: towards board roles",
    "lgbtq-leaders": "Autumn round: inclusive leadership",
}
PUBLISHED_ROUND = "Summer round"
GOALS = [
    "A non-executive director post in a trust within two years, and the confidence to apply.",
    "To move from a divisional role to an executive director role.",
    "To understand board finance well enough to chair an audit committee one day.",
    "To lead system-wide change across our integrated care system.",
    "To return to a senior role after leave with a clear plan.",
]
NOTES = [
    "We went through a recent board pack and the questions a non-executive might ask.",
    "Talked through the interview panel format and practised two answers.",
    "Agreed a reading list on board finance and a stakeholder map for the next month.",
    "Reviewed progress on the goals; next time we look at the application statement.",
]
LONDON_TODAY = timezone.localdate


def ensure_topics() -> list[MentoringTopic]:
    """The board's topic list, in its order; topics the board added themselves stay."""
    network = NetworkSettings.load()
    for position, name in enumerate(TOPICS):
        MentoringTopic.objects.get_or_create(
            settings_id=network.pk, name=name, defaults={"position": position}
        )
    return list(MentoringTopic.objects.filter(name__in=TOPICS).order_by("position", "name"))


def _set_if_changed(profile: Profile, fields: dict[str, object]) -> None:
    if any(getattr(profile, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()


def fill_offers_and_goals(
    mentors: Sequence[User], mentees: Sequence[User], topics: Sequence[MentoringTopic]
) -> None:
    """Offers on the mentors and goals on the mentees, the same each time."""
    for number, mentor in enumerate(mentors):
        rng = random.Random(f"mentor-{number}")
        chosen = rng.sample(list(topics), 3)
        profile = Profile.objects.get(user=mentor)
        _set_if_changed(
            profile,
            {
                # One mentor has paused her offer for now.
                "mentoring_status": MentoringStatus.PAUSED
                if number == len(mentors) - 1
                else MentoringStatus.ACCEPTING,
                "mentoring_capacity": 3,
                "mentoring_topics": ", ".join(topic.name.lower() for topic in chosen[:2]),
                "mentoring_formats": [MentoringFormat.VIDEO, rng.choice(MentoringFormat.values)],
            },
        )
        profile.offered_topics.add(*chosen)
    for number, mentee in enumerate(mentees):
        rng = random.Random(f"mentee-{number}")
        chosen = rng.sample(list(topics), 2)
        profile = Profile.objects.get(user=mentee)
        _set_if_changed(
            profile,
            {
                "mentoring_goals": GOALS[number % len(GOALS)],
                "mentoring_needs_topics": chosen[0].name.lower(),
                "preferred_format": rng.choice(["", *MentoringFormat.values]),
                "preferred_profession": rng.choice(ProfessionPreference.values),
            },
        )
        profile.wanted_topics.add(*chosen)


def remove_demo_mentoring(demo_accounts: Collection[User]) -> None:
    """Take away the mentoring a demo made between demo accounts, and its rounds."""
    ids = [member.pk for member in demo_accounts]
    between = Q(mentor_id__in=ids) & Q(mentee_id__in=ids)
    demo_rounds = MatchingRound.objects.filter(
        created_by=None, title__in=[*OPEN_ROUND.values(), PUBLISHED_ROUND]
    )
    Pairing.objects.filter(between).delete()
    MentoringRequest.objects.filter(between).delete()
    demo_rounds.delete()


@transaction.atomic
def seed_mentoring(
    preset: str, *, members: Sequence[User], demo_accounts: Collection[User] = ()
) -> int:
    """The preset's demo mentoring among `members` (the named demo members, at least 26).

    Running it again changes nothing; switching preset removes the other preset's mentoring
    between `demo_accounts` first. Returns how many pairings it made."""
    topics = ensure_topics()
    mentors, mentees = list(members[:10]), list(members[10:26])
    fill_offers_and_goals(mentors, mentees, topics)
    if MatchingRound.objects.filter(created_by=None, title=OPEN_ROUND[preset]).exists():
        return 0
    remove_demo_mentoring({*demo_accounts, *members})
    return _make(preset, mentors, mentees)


def _pairing(
    mentor: User,
    mentee: User,
    status: str,
    *,
    started_weeks_ago: int | None,
    origin: str = Pairing.Origin.REQUEST,
    **fields: object,
) -> Pairing:
    now = timezone.now()
    started_on: date | None = None
    ends_on: date | None = None
    if started_weeks_ago is not None:
        started_on = LONDON_TODAY() - timedelta(weeks=started_weeks_ago)
        ends_on = started_on + timedelta(days=182)
    agreed = now - timedelta(weeks=started_weeks_ago or 1)
    both_agreed = status not in (Pairing.Status.PROPOSED, Pairing.Status.DECLINED)
    return Pairing.objects.create(
        mentor=mentor,
        mentee=mentee,
        status=status,
        origin=origin,
        term_months=6,
        agreed_goals=Profile.objects.get(user=mentee).mentoring_goals,
        proposed_at=agreed - timedelta(days=2),
        mentor_agreed_at=agreed if both_agreed else None,
        mentee_agreed_at=agreed if both_agreed else None,
        started_on=started_on,
        ends_on=ends_on,
        **fields,
    )


def _check_ins(pairing: Pairing, count: int) -> None:
    started_on = pairing.started_on or LONDON_TODAY()
    CheckIn.objects.bulk_create(
        CheckIn(
            pairing=pairing,
            held_on=min(LONDON_TODAY(), started_on + timedelta(weeks=2 + 3 * n)),
            format=MentoringFormat.VIDEO if n % 2 else MentoringFormat.IN_PERSON,
            notes=NOTES[n % len(NOTES)],
            recorded_by=pairing.mentee if n % 2 else pairing.mentor,
        )
        for n in range(count)
    )


def _make(preset: str, mentors: list[User], mentees: list[User]) -> int:
    now = timezone.now()
    status = Pairing.Status
    # Active, with check-ins and both sides' answer to "is this working?".
    active = [
        _pairing(mentors[0], mentees[0], status.ACTIVE, started_weeks_ago=10),
        _pairing(mentors[1], mentees[1], status.ACTIVE, started_weeks_ago=6),
        _pairing(mentors[2], mentees[2], status.ACTIVE, started_weeks_ago=1),
    ]
    for pairing, count in zip(active, (3, 2, 0), strict=True):
        _check_ins(pairing, count)
    FitAnswer.objects.bulk_create(
        FitAnswer(pairing=pairing, member=member, working=True)
        for pairing in active[:2]
        for member in (pairing.mentor, pairing.mentee)
    )
    # Completed at the end of their term, with both sides' close-outs.
    completed = [
        _pairing(mentors[0], mentees[5], status.COMPLETED, started_weeks_ago=34),
        _pairing(mentors[5], mentees[6], status.COMPLETED, started_weeks_ago=30),
    ]
    for pairing in completed:
        ended_on = pairing.ends_on or LONDON_TODAY()
        pairing.ended_at = timezone.make_aware(datetime.combine(ended_on, time(9)))
        pairing.save(update_fields=["ended_at"])
        _check_ins(pairing, 4)
    CloseOut.objects.bulk_create(
        [
            CloseOut(
                pairing=completed[0],
                member=completed[0].mentee,
                goals_met=CloseOut.GoalsMet.YES,
                would_recommend=True,
                for_the_record="Appointed as a non-executive director at a community trust.",
            ),
            CloseOut(
                pairing=completed[0],
                member=completed[0].mentor,
                goals_met=CloseOut.GoalsMet.YES,
                would_recommend=True,
            ),
            CloseOut(
                pairing=completed[1],
                member=completed[1].mentee,
                goals_met=CloseOut.GoalsMet.PARTLY,
                would_recommend=True,
                for_the_record="Much clearer about board finance.",
            ),
        ]
    )
    # Ended early without blame, after one side said it was not working.
    early = _pairing(
        mentors[7],
        mentees[8],
        status.ENDED_EARLY,
        started_weeks_ago=8,
        ended_at=now - timedelta(weeks=3),
        ended_by=mentees[8],
    )
    _check_ins(early, 1)
    FitAnswer.objects.create(pairing=early, member=mentees[8], working=False)

    # Last summer's round, published: one pair agreed on both sides and running, one waiting
    # for both answers, one waiting for the mentee, one declined.
    summer = MatchingRound.objects.create(
        title=PUBLISHED_ROUND,
        status=MatchingRound.Status.PUBLISHED,
        opened_at=now - timedelta(weeks=3),
        matched_at=now - timedelta(weeks=2, days=3),
        published_at=now - timedelta(weeks=2),
        figures={
            "mentees": 4,
            "matched": 4,
            "unmatched": 0,
            "mentors": 4,
            "average_score": 0.71,
            "capacity_used": 4,
            "capacity": 12,
        },
    )
    from_round = [
        _pairing(mentors[3], mentees[3], status.PROPOSED, started_weeks_ago=None, round=summer),
        _pairing(mentors[4], mentees[4], status.PROPOSED, started_weeks_ago=None, round=summer),
        _pairing(
            mentors[6],
            mentees[7],
            status.DECLINED,
            started_weeks_ago=None,
            round=summer,
            ended_at=now - timedelta(weeks=1),
            ended_by=mentees[7],
        ),
    ]
    Pairing.objects.filter(pk__in=[p.pk for p in from_round]).update(
        origin=Pairing.Origin.ROUND, proposed_at=summer.published_at
    )
    Pairing.objects.filter(pk=from_round[0].pk).update(mentor_agreed_at=now - timedelta(days=10))
    RoundEntry.objects.bulk_create(
        RoundEntry(round=summer, mentee=pairing.mentee, joined_at=summer.opened_at)
        for pairing in from_round
    )
    Proposal.objects.bulk_create(
        Proposal(
            round=summer,
            mentor=pairing.mentor,
            mentee=pairing.mentee,
            score=score,
            parts={"topics": 0.4, "profession": 0.2, "capacity": 0.1},
            reasons=["You both work on board governance", "She has room for another mentee"],
        )
        for pairing, score in zip(from_round, (0.82, 0.7, 0.61), strict=True)
    )

    # Requests in every state.
    def request(mentee: User, mentor: User, state: str, **fields: object) -> MentoringRequest:
        return MentoringRequest.objects.create(
            mentee=mentee,
            mentor=mentor,
            note="I would value your experience of board roles as I prepare for my first one.",
            status=state,
            **fields,
        )

    asked = MentoringRequest.Status
    request(mentees[9], mentors[8], asked.WAITING, waiting_since=now - timedelta(days=2))
    request(
        mentees[10],
        mentors[8],
        asked.QUESTION,
        question="Are you hoping for a board role in a trust or in an integrated care board?",
        waiting_since=now - timedelta(days=4),
    )
    accepted = request(mentees[0], mentors[0], asked.ACCEPTED, closed_at=active[0].proposed_at)
    Pairing.objects.filter(pk=active[0].pk).update(request=accepted)
    request(
        mentees[11],
        mentors[1],
        asked.DECLINED,
        decline_reason=DeclineReason.NOT_MY_AREA,
        closed_at=now - timedelta(days=6),
    )
    request(
        mentees[12],
        mentors[2],
        asked.LAPSED,
        created_at=now - timedelta(days=20),
        waiting_since=now - timedelta(days=20),
        reminded_at=now - timedelta(days=15),
        closed_at=now - timedelta(days=6),
    )
    request(mentees[13], mentors[3], asked.WITHDRAWN, closed_at=now - timedelta(days=1))

    # This autumn's round, open: mentees waiting to be matched.
    autumn = MatchingRound.objects.create(title=OPEN_ROUND[preset], opened_at=now)
    RoundEntry.objects.bulk_create(
        RoundEntry(round=autumn, mentee=mentee) for mentee in mentees[13:16]
    )
    return len(active) + len(completed) + 1 + len(from_round)


@transaction.atomic
def create_many_pairings(count: int, *, check_ins_each: int = 2) -> int:
    """`count` pairings between members, in bulk, with check-ins: for benchmarks and the
    query-count tests. Most are completed; one in five is running and one in ten ended early,
    each running pair only once (one running pairing per pair, as the rules keep it)."""
    member_ids = list(User.objects.filter(profile__isnull=False).values_list("pk", flat=True))
    if len(member_ids) < 2:
        return 0
    rng = random.Random(count)
    today = LONDON_TODAY()
    now = timezone.now()
    live = set(Pairing.objects.live().values_list("mentor_id", "mentee_id"))
    pairings = []
    for _ in range(count):
        mentor_id, mentee_id = rng.sample(member_ids, 2)
        roll = rng.random()
        state = (
            Pairing.Status.ACTIVE
            if roll < 0.2 and (mentor_id, mentee_id) not in live
            else Pairing.Status.ENDED_EARLY
            if roll < 0.3
            else Pairing.Status.COMPLETED
        )
        if state == Pairing.Status.ACTIVE:
            live.add((mentor_id, mentee_id))
        started_on = today - timedelta(days=rng.randint(10, 600))
        pairings.append(
            Pairing(
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                status=state,
                origin=rng.choice(Pairing.Origin.values),
                proposed_at=now - (today - started_on) - timedelta(days=3),
                mentor_agreed_at=now - (today - started_on),
                mentee_agreed_at=now - (today - started_on),
                started_on=started_on,
                ends_on=started_on + timedelta(days=182),
                ended_at=None if state == Pairing.Status.ACTIVE else now,
                agreed_goals="Ready for a board role.",
            )
        )
    made = Pairing.objects.bulk_create(pairings, batch_size=2000)
    CheckIn.objects.bulk_create(
        (
            CheckIn(
                pairing=pairing,
                held_on=min(today, (pairing.started_on or today) + timedelta(days=7 * (n + 1))),
                format=MentoringFormat.VIDEO,
                notes="We talked through the month's progress.",
                recorded_by_id=pairing.mentor_id if n % 2 else pairing.mentee_id,
            )
            for pairing in made
            for n in range(check_ins_each)
        ),
        batch_size=2000,
    )
    return len(made)
