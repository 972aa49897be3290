"""What mentoring holds about a member, for "download my data", and what goes when they leave.

A download holds what the member wrote and what was written to them: their requests with their
own notes, the requests they received with the mentee's note (written to them), their pairings
with the pair's check-ins (the notes belong to the pair, so both members get them), and their own
answers to the fit question and close-outs (never the partner's: those are private to whoever
gave them).
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from mentoring import services
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
from network.models import OutboundEmail


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _name(member: Any) -> str:
    return member.name or "a former member"


def mentoring_section(user: Any) -> dict[str, Any]:
    """Everything mentoring holds about `user` that is theirs to have, in six queries."""
    # Both sides of their requests in one query: the download counts each query it makes.
    requests = list(
        MentoringRequest.objects.filter(Q(mentee=user) | Q(mentor=user)).select_related(
            "mentee", "mentor"
        )
    )
    requests_made = [r for r in requests if r.mentee_id == user.pk]
    requests_received = [r for r in requests if r.mentor_id == user.pk]
    pairings = (
        Pairing.objects.of(user)
        .select_related("mentor", "mentee")
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.order_by("held_on", "pk")),
        )
        .order_by("proposed_at", "pk")
    )
    fit_answers = FitAnswer.objects.filter(member=user).order_by("answered_at", "pk")
    close_outs = CloseOut.objects.filter(member=user).order_by("created_at", "pk")
    entries = RoundEntry.objects.filter(mentee=user).select_related("round")
    return {
        "requests_made": [
            {
                "mentor": _name(r.mentor),
                "note": r.note,
                "status": r.get_status_display(),
                "mentor_question": r.question,
                "your_answer": r.answer,
                "decline_reason": r.get_decline_reason_display() if r.decline_reason else "",
                "asked_at": _iso(r.created_at),
                "closed_at": _iso(r.closed_at),
            }
            for r in requests_made
        ],
        "requests_received": [
            {
                "mentee": _name(r.mentee),
                "note": r.note,
                "status": r.get_status_display(),
                "your_question": r.question,
                "mentee_answer": r.answer,
                "decline_reason": r.get_decline_reason_display() if r.decline_reason else "",
                "asked_at": _iso(r.created_at),
                "closed_at": _iso(r.closed_at),
            }
            for r in requests_received
        ],
        "pairings": [
            {
                "pairing": p.pk,
                "your_role": "mentor" if p.mentor_id == user.pk else "mentee",
                "partner": _name(p.partner_of(user)),
                "status": p.get_status_display(),
                "origin": p.get_origin_display(),
                "term_months": p.term_months,
                "agreed_goals": p.agreed_goals,
                "proposed_at": _iso(p.proposed_at),
                "started_on": _iso(p.started_on),
                "ends_on": _iso(p.ends_on),
                "ended_at": _iso(p.ended_at),
                "check_ins": [
                    {
                        "held_on": _iso(c.held_on),
                        "format": c.get_format_display(),
                        "notes": c.notes,
                        "recorded_by_you": c.recorded_by_id == user.pk,
                    }
                    for c in p.check_ins.all()
                ],
            }
            for p in pairings
        ],
        "fit_answers": [
            {"pairing": a.pairing_id, "working": a.working, "answered_at": _iso(a.answered_at)}
            for a in fit_answers
        ],
        "close_outs": [
            {
                "pairing": c.pairing_id,
                "goals_met": c.get_goals_met_display(),
                "would_recommend": c.would_recommend,
                "for_the_record": c.for_the_record,
                "given_at": _iso(c.created_at),
            }
            for c in close_outs
        ],
        "matching_rounds": [
            {"round": e.round.title, "joined_at": _iso(e.joined_at)} for e in entries
        ],
    }


def erase_from_mentoring(user: Any) -> None:
    """A departing member's requests close and their pairings end, each partner told in the
    words the network uses for any ending; what they wrote alone goes.

    - Requests they made and were waiting are withdrawn; requests waiting on them are declined
      (the mentee reads that the mentor has no time just now, and is free to ask someone else).
      Their notes, questions and answers go; the requests stay, anonymous with the account, so
      the figures still add up.
    - Running pairings end early and proposed ones are declined, through the same rules as any
      member ending them, so a mentee they mentored is free for a new mentor.
    - Check-in notes belong to the pair, so they stay with the partner's record; the leaver's
      name goes from those they recorded. Their fit answers and close-outs stay, belonging to no
      one, so the mentor's record and the round figures still count them.
    - They leave any matching round not yet published, with the pairs proposed for them.
    """
    now = timezone.now()
    waiting = MentoringRequest.objects.open()
    for request_id in waiting.filter(mentee=user).values_list("pk", flat=True):
        services.withdraw_request(request_id=request_id, mentee=user, now=now)
    for request_id in waiting.filter(mentor=user).values_list("pk", flat=True):
        services.decline_request(
            request_id=request_id, mentor=user, reason=DeclineReason.NO_CAPACITY, now=now
        )
    live = Pairing.objects.of(user)
    for pairing_id in live.filter(status=Pairing.Status.ACTIVE).values_list("pk", flat=True):
        services.end_pairing(pairing_id=pairing_id, member=user, now=now)
    for pairing_id in live.filter(status=Pairing.Status.PROPOSED).values_list("pk", flat=True):
        services.decline_pairing(pairing_id=pairing_id, member=user, now=now)
    # Their own copy of what they were just told would reach no one: the account's address is
    # about to go.
    OutboundEmail.objects.filter(
        recipient=user, status=OutboundEmail.Status.QUEUED, template__startswith="mentoring/"
    ).update(status=OutboundEmail.Status.NOT_NEEDED, last_error="The member left the network.")

    MentoringRequest.objects.filter(mentee=user).update(note="", answer="")
    MentoringRequest.objects.filter(mentor=user).update(question="")
    CheckIn.objects.filter(recorded_by=user).update(recorded_by=None)
    FitAnswer.objects.filter(member=user).update(member=None)
    CloseOut.objects.filter(member=user).update(member=None)
    unpublished = [MatchingRound.Status.OPEN, MatchingRound.Status.MATCHED]
    Proposal.objects.filter(round__status__in=unpublished).filter(
        Q(mentor=user) | Q(mentee=user)
    ).delete()
    RoundEntry.objects.filter(mentee=user, round__status__in=unpublished).delete()
