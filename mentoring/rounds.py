"""Matching rounds: the board matches many waiting mentees at once.

The board opens a round; mentees join it (or the board adds them); the board runs the matching,
an optimal assignment under each mentor's capacity left (mentoring.matching.solve), reviews the
proposals with their reasons, swaps or removes pairs (each checked against the rules again) and
publishes: each pair becomes a proposed pairing and both sides are emailed.

Every function locks the round's row first, so two board members working on one round take
turns, and a refusal (Refused) changes nothing.
"""

import dataclasses
from collections import Counter
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from members.models import Profile, User
from mentoring import matching
from mentoring.matching import MenteeFacts, MentorFacts
from mentoring.models import MatchingRound, Pairing, Proposal, Refusal, RoundEntry
from network.errors import Refused
from network.mail import Recipient, queue_emails
from network.models import AuditAction, NetworkSettings, record

Status = MatchingRound.Status

# Why the last run left a mentee unmatched, in words for the board.
NO_MENTORS = "No mentor is taking on mentees with room left just now."
NO_TOPICS = "No mentor with room offers the topics they asked for."
ALL_FULL = "Every suitable mentor is full in this round."
ACCOUNT_CLOSED = "Their account is suspended or closed."
REMOVED = "Removed from the proposals by the board."
RULED_OUT = "The rules rule out every mentor who offers their topics: {reason}"


def _lock(round_id: int) -> MatchingRound:
    return MatchingRound.objects.select_for_update().get(pk=round_id)


def has_goals(profile: Profile | None) -> bool:
    """A member can join a round once they have said what they hope for from mentoring."""
    if profile is None:
        return False
    return bool(profile.mentoring_goals.strip()) or profile.wanted_topics.exists()


@transaction.atomic
def open_round(*, title: str, by: Any) -> MatchingRound:
    title = " ".join(title.split())
    if not title:
        raise ValueError("A matching round needs a title.")
    matching_round = MatchingRound.objects.create(title=title[:120], created_by=by)
    record(actor=by, action=AuditAction.MATCHING_ROUND_OPENED, target=matching_round)
    return matching_round


def _enter(matching_round: MatchingRound, *, mentee_id: int, added_by: Any) -> RoundEntry:
    if matching_round.status != Status.OPEN:
        raise Refused(Refusal.ROUND_NOT_OPEN)
    profile = Profile.objects.filter(pk=mentee_id, user__is_active=True).first()
    if not has_goals(profile):
        raise Refused(Refusal.GOALS_NEEDED)
    # The round's row is locked, so nobody else adds this mentee between the look and the add.
    if matching_round.entries.filter(mentee_id=mentee_id).exists():
        raise Refused(Refusal.ALREADY_IN_ROUND)
    return RoundEntry.objects.create(round=matching_round, mentee_id=mentee_id, added_by=added_by)


@transaction.atomic
def join_round(*, round_id: int, mentee: Any) -> RoundEntry:
    """A mentee with goals asks to be matched in an open round."""
    return _enter(_lock(round_id), mentee_id=mentee.pk, added_by=None)


@transaction.atomic
def add_to_round(*, round_id: int, mentee_id: int, by: Any) -> RoundEntry:
    """The board adds a mentee with goals to an open round."""
    matching_round = _lock(round_id)
    entry = _enter(matching_round, mentee_id=mentee_id, added_by=by)
    record(
        actor=by,
        action=AuditAction.MATCHING_ROUND_MENTEE_ADDED,
        target=matching_round,
        data={"mentee_id": mentee_id},
    )
    return entry


def _mentees(matching_round: MatchingRound) -> dict[int, MenteeFacts]:
    profiles = (
        Profile.objects.select_related("user")
        .prefetch_related("wanted_topics")
        .filter(pk__in=matching_round.entries.values("mentee_id"))
    )
    return {profile.pk: MenteeFacts.of(profile) for profile in profiles}


def _mentors() -> list[MentorFacts]:
    profiles = matching.available_mentors().order_by("pk")
    return [MentorFacts.of(profile, live=profile.live) for profile in profiles]


def _why_unmatched(
    mentee: MenteeFacts | None,
    mentors: list[MentorFacts],
    *,
    kept_apart: set[frozenset[int]],
) -> str:
    if mentee is None or not mentee.is_active:
        return ACCOUNT_CLOSED
    if not mentors:
        return NO_MENTORS
    offering = [mentor for mentor in mentors if matching.shares_a_topic(mentee, mentor)]
    if not offering:
        return NO_TOPICS
    refusals = Counter(
        matching.rule_says_no(mentee, mentor, kept_apart=kept_apart) for mentor in offering
    )
    if None in refusals:
        return ALL_FULL
    return RULED_OUT.format(reason=refusals.most_common(1)[0][0])[:200]


@transaction.atomic
def run_matching(*, round_id: int, by: Any, now: datetime | None = None) -> dict[str, Any]:
    """Match the round's mentees with the mentors taking mentees, as well as the rules and
    capacities allow; the round's earlier proposals are replaced. Returns the figures."""
    now = now or timezone.now()
    matching_round = _lock(round_id)
    if matching_round.status == Status.PUBLISHED:
        raise Refused(Refusal.ROUND_PUBLISHED)
    entries = list(matching_round.entries.order_by("pk"))
    found = _mentees(matching_round)
    mentees = [found[entry.mentee_id] for entry in entries if entry.mentee_id in found]
    mentors = _mentors()
    weight = matching.weights()
    ids = [*found, *(mentor.user_id for mentor in mentors)]
    kept_apart = matching.past_partners(found) | matching.conduct_exclusions(ids)
    parts = matching.part_matrices(mentees, mentors)
    cost = matching.costs(mentees, mentors, weight=weight, kept_apart=kept_apart, parts=parts)
    assignment = matching.solve(cost, [mentor.room for mentor in mentors])
    chosen = {
        mentee.user_id: mentors[column]
        for mentee, column in zip(mentees, assignment, strict=True)
        if column is not None
    }
    matching_round.proposals.all().delete()
    proposals = []
    for row, (mentee, column) in enumerate(zip(mentees, assignment, strict=True)):
        if column is not None:
            mentor = mentors[column]
            values = {part: float(matrix[row, column]) for part, matrix in parts.items()}
            match = matching.score(mentee, mentor, weight, values)
            proposals.append(
                Proposal(
                    round=matching_round,
                    mentee_id=mentee.user_id,
                    mentor_id=mentor.user_id,
                    score=match.score,
                    parts=match.parts,
                    reasons=match.reasons,
                    created_at=now,
                )
            )
    Proposal.objects.bulk_create(proposals)
    for entry in entries:
        entry.unmatched_because = (
            ""
            if entry.mentee_id in chosen
            else _why_unmatched(found.get(entry.mentee_id), mentors, kept_apart=kept_apart)
        )
    RoundEntry.objects.bulk_update(entries, ["unmatched_because"])
    why = Counter(entry.unmatched_because for entry in entries if entry.unmatched_because)
    scores = [proposal.score for proposal in proposals]
    figures = {
        "mentees": len(entries),
        "matched": len(proposals),
        "unmatched": len(entries) - len(proposals),
        "unmatched_why": dict(why.most_common()),
        "average_score": round(sum(scores) / len(scores), 2) if scores else None,
        "best_possible_score": round(sum(weight.values()), 2),
        "mentors": len(mentors),
        "capacity_used": len(proposals),
        "capacity": sum(mentor.room for mentor in mentors),
    }
    matching_round.status = Status.MATCHED
    matching_round.matched_at = now
    matching_round.figures = figures
    matching_round.save(update_fields=["status", "matched_at", "figures"])
    record(
        actor=by,
        action=AuditAction.MATCHING_ROUND_MATCHED,
        target=matching_round,
        data={key: figures[key] for key in ("mentees", "matched", "unmatched", "capacity")},
    )
    return figures


def _proposed_in_round(matching_round: MatchingRound, mentor_id: int, *, besides: int) -> int:
    return matching_round.proposals.filter(mentor_id=mentor_id).exclude(mentee_id=besides).count()


@transaction.atomic
def change_pair(
    *, round_id: int, mentee_id: int, mentor_id: int | None, by: Any
) -> Proposal | None:
    """The board gives a mentee another mentor (checked against the rules and the mentor's room
    in the round), or takes them out of the proposals (mentor_id None)."""
    matching_round = _lock(round_id)
    if matching_round.status == Status.PUBLISHED:
        raise Refused(Refusal.ROUND_PUBLISHED)
    if matching_round.status != Status.MATCHED:
        raise Refused(Refusal.ROUND_NOT_MATCHED)
    entry = matching_round.entries.filter(mentee_id=mentee_id).first()
    if entry is None:
        raise Refused(Refusal.PAIR_NOT_ALLOWED, "This mentee is not in the round.")
    before = matching_round.proposals.filter(mentee_id=mentee_id).first()
    data = {
        "mentee_id": mentee_id,
        "from_mentor_id": before.mentor_id if before else None,
        "to_mentor_id": mentor_id,
    }
    if mentor_id is None:
        if before is not None:
            before.delete()
        entry.unmatched_because = REMOVED
        entry.save(update_fields=["unmatched_because"])
        record(
            actor=by,
            action=AuditAction.MATCHING_ROUND_PAIR_CHANGED,
            target=matching_round,
            data=data,
        )
        return None
    # The mentor's row decides their capacity: a request accepted meanwhile waits for this.
    mentor = User.objects.select_for_update().filter(pk=mentor_id).first()
    mentee = User.objects.filter(pk=mentee_id).first()
    if mentor is None or mentee is None:
        raise Refused(Refusal.PAIR_NOT_ALLOWED)
    reason = matching.forbidden_reason(mentee=mentee, mentor=mentor)
    if reason == matching.AT_CAPACITY:
        raise Refused(Refusal.MENTOR_FULL)
    if reason is not None:
        raise Refused(Refusal.PAIR_NOT_ALLOWED, f"{Refusal.PAIR_NOT_ALLOWED.label} {reason}")
    profile = matching.mentor_profiles().get(pk=mentor_id)
    mentor_side = MentorFacts.of(profile, live=profile.live)
    if _proposed_in_round(matching_round, mentor_id, besides=mentee_id) >= mentor_side.room:
        raise Refused(Refusal.MENTOR_FULL)
    mentee_side = matching.mentee_facts(mentee_id)
    if mentee_side is None:  # forbidden_reason has refused a mentee without a profile already
        raise Refused(Refusal.PAIR_NOT_ALLOWED)
    match = matching.score(mentee_side, mentor_side, matching.weights())
    proposal, _ = Proposal.objects.update_or_create(
        round=matching_round,
        mentee_id=mentee_id,
        defaults={
            "mentor_id": mentor_id,
            "score": match.score,
            "parts": match.parts,
            "reasons": match.reasons,
            "chosen_by_board": True,
        },
    )
    entry.unmatched_because = ""
    entry.save(update_fields=["unmatched_because"])
    record(
        actor=by,
        action=AuditAction.MATCHING_ROUND_PAIR_CHANGED,
        target=matching_round,
        data=data,
    )
    return proposal


@transaction.atomic
def publish_round(*, round_id: int, by: Any, now: datetime | None = None) -> int:
    """Each proposed pair becomes a proposed pairing, and both sides are emailed; once only.

    What changed since the matching is checked again: a pair the rules no longer allow (a
    mentor who paused, filled up through a request, or a pairing made meanwhile) is left out,
    and its mentee's entry says why. Returns the number of pairings proposed.
    """
    now = now or timezone.now()
    matching_round = _lock(round_id)
    if matching_round.status == Status.PUBLISHED:
        raise Refused(Refusal.ROUND_PUBLISHED)
    if matching_round.status != Status.MATCHED:
        raise Refused(Refusal.ROUND_NOT_MATCHED)
    proposals = list(matching_round.proposals.order_by("-score", "pk"))
    people = {p.mentor_id for p in proposals} | {p.mentee_id for p in proposals}
    # Mentors' rows decide their capacity; taken in one order, so no two writers deadlock.
    list(User.objects.select_for_update().filter(pk__in=people).order_by("pk").values("pk"))
    mentees = {
        profile.pk: MenteeFacts.of(profile)
        for profile in Profile.objects.select_related("user")
        .prefetch_related("wanted_topics")
        .filter(pk__in={p.mentee_id for p in proposals})
    }
    mentors = {
        profile.pk: MentorFacts.of(profile, live=profile.live)
        for profile in matching.mentor_profiles().filter(pk__in={p.mentor_id for p in proposals})
    }
    kept_apart = matching.past_partners(people) | matching.conduct_exclusions(people)
    term = NetworkSettings.load().pairing_term_months
    pairings, left_out = [], {}
    for proposal in proposals:
        mentee, mentor = mentees.get(proposal.mentee_id), mentors.get(proposal.mentor_id)
        if mentee is None or mentor is None:
            left_out[proposal.mentee_id] = f"Left out when published: {ACCOUNT_CLOSED}"
            continue
        reason = matching.rule_says_no(mentee, mentor, kept_apart=kept_apart)
        if reason is not None:
            left_out[proposal.mentee_id] = f"Left out when published: {reason}"[:200]
            continue
        mentors[mentor.user_id] = dataclasses.replace(mentor, live=mentor.live + 1)
        pairings.append(
            Pairing(
                mentor_id=proposal.mentor_id,
                mentee_id=proposal.mentee_id,
                status=Pairing.Status.PROPOSED,
                origin=Pairing.Origin.ROUND,
                round=matching_round,
                term_months=term,
                proposed_at=now,
            )
        )
    Pairing.objects.bulk_create(pairings)
    for mentee_id, why in left_out.items():
        matching_round.entries.filter(mentee_id=mentee_id).update(unmatched_because=why)
    emails = dict(User.objects.filter(pk__in=people).values_list("pk", "email"))
    queue_emails(
        "mentoring/round_proposed",
        [
            Recipient(emails[member_id], member_id, {"pairing_id": p.pk, "user_id": member_id})
            for p in pairings
            for member_id in (p.mentee_id, p.mentor_id)
        ],
    )
    matching_round.status = Status.PUBLISHED
    matching_round.published_at = now
    matching_round.save(update_fields=["status", "published_at"])
    record(
        actor=by,
        action=AuditAction.MATCHING_ROUND_PUBLISHED,
        target=matching_round,
        data={"pairings": len(pairings), "left_out": sorted(left_out)},
    )
    return len(pairings)
