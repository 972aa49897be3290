"""Every change to a mentoring request or pairing, one function each.

The row that decides a rule is locked first: the mentee's account when they ask (so two asks at
once cannot both pass the limit on open requests), the mentor's account when they accept (so two
accepts at once cannot both pass their capacity), and the request or pairing itself for
everything else. Services take ids and plain values, raise `Refused` when a rule says no
(changing nothing) and queue their mail in the same transaction.

The beat functions at the end claim each piece of work with a conditional update, so running
them twice, or on two machines at once, reminds, lapses and asks once.
"""

import calendar
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import DateField, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.directory import directory_changed
from members.models import MentoringFormat, MentoringStatus, Profile, User
from mentoring import matching
from mentoring.models import (
    CheckIn,
    CloseOut,
    DeclineReason,
    FitAnswer,
    MentoringRequest,
    Pairing,
    Refusal,
)
from network.errors import Refused
from network.mail import queue_email
from network.models import AuditAction, AuditEvent, NetworkSettings, record

LONDON = ZoneInfo("Europe/London")
RequestStatus = MentoringRequest.Status
PairingStatus = Pairing.Status

NOTE_LIMIT = 1000
# How far back a mentor's lapsed requests count towards pausing their offer. The count also
# starts again each time the offer is paused, so a mentor who confirms they are available and
# turns their offer back on starts with a clean slate instead of being paused at the next lapse.
LAPSES_COUNTED_FOR = timedelta(days=90)


def london_today(now: datetime | None = None) -> date:
    """The date in the UK: a pairing starts, ends and is checked in on UK days."""
    return (now or timezone.now()).astimezone(LONDON).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 August plus
    six months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _words(text: str, *, code: Refusal, message: str | None = None) -> str:
    """A note, question or answer: stripped, and between 1 and NOTE_LIMIT characters."""
    text = (text or "").strip()
    if not text:
        raise Refused(code, message)
    if len(text) > NOTE_LIMIT:
        raise Refused(code, f"Keep it to {NOTE_LIMIT:,} characters; yours has {len(text):,}.")
    return text


def _lock_account(user_id: int) -> None:
    # The account row always exists, so the lock holds (a lock on rows that may not exist yet,
    # such as the requests about to be made, would lock nothing).
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).get()


def _tell(template: str, member: Any, **context: Any) -> None:
    queue_email(template, to=member.email, user_id=member.pk, context=context)


def _tell_both(template: str, pairing: Pairing) -> None:
    for member in (pairing.mentor, pairing.mentee):
        _tell(template, member, pairing_id=pairing.pk, user_id=member.pk)


def _has_room(mentor_id: int, profile: Profile) -> bool:
    return Pairing.objects.live().filter(mentor_id=mentor_id).count() < profile.mentoring_capacity


def lapses_at(request: MentoringRequest, network: NetworkSettings) -> datetime:
    return request.waiting_since + timedelta(days=network.request_lapse_days)


# ---------------------------------------------------------------------------------------------
# Requests: the mentee asks, withdraws and answers; the mentor accepts, declines or asks


@transaction.atomic
def ask(*, mentee: Any, mentor_id: int, note: str, now: datetime | None = None) -> MentoringRequest:
    """Ask a mentor to take the mentee on, with a short note; the mentor is told by mail."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    if mentee.pk == mentor_id:
        raise Refused(Refusal.OWN_REQUEST)
    note = _words(note, code=Refusal.NOTE_NEEDED)
    # Every ask by this mentee waits here for the one before it, so the count of open requests
    # read below is the count the new one joins.
    _lock_account(mentee.pk)
    if not Profile.objects.filter(user_id=mentee.pk).exists():
        raise Refused(Refusal.NOT_SUGGESTED)
    mentor = User.objects.filter(pk=mentor_id, is_active=True).select_related("profile").first()
    profile = getattr(mentor, "profile", None) if mentor is not None else None
    if mentor is None or profile is None or profile.mentoring_status != MentoringStatus.ACCEPTING:
        raise Refused(Refusal.NOT_ACCEPTING)
    if not _has_room(mentor.pk, profile):
        raise Refused(Refusal.AT_CAPACITY)
    mine = MentoringRequest.objects.open().filter(mentee_id=mentee.pk)
    if mine.filter(mentor_id=mentor.pk).exists():
        raise Refused(Refusal.ALREADY_ASKED)
    if Pairing.objects.live().filter(mentor_id=mentor.pk, mentee_id=mentee.pk).exists():
        raise Refused(Refusal.ALREADY_PAIRED)
    if matching.forbidden_reason(mentee=mentee, mentor=mentor) is not None:
        raise Refused(Refusal.NOT_SUGGESTED)
    if mine.count() >= network.max_open_requests:
        raise Refused(Refusal.TOO_MANY_REQUESTS)
    try:
        with transaction.atomic():
            request = MentoringRequest.objects.create(
                mentee_id=mentee.pk,
                mentor_id=mentor.pk,
                note=note,
                created_at=now,
                waiting_since=now,
            )
    except IntegrityError:
        # The one_open_request_per_pair constraint: the mentee's lock makes this unreachable in
        # practice, and the database keeps it true regardless.
        raise Refused(Refusal.ALREADY_ASKED) from None
    _tell("mentoring/request_received", mentor, request_id=request.pk)
    return request


def _lock_request(request_id: int, member: Any, side: str) -> MentoringRequest:
    request = (
        # Only the request's own row: the accounts it names are locked where a rule needs them.
        MentoringRequest.objects.select_for_update(of=("self",))
        .select_related("mentee", "mentor")
        .filter(pk=request_id)
        .first()
    )
    if request is None or getattr(request, f"{side}_id") != member.pk:
        raise Refused(Refusal.NOT_YOURS)
    return request


def _close(request: MentoringRequest, status: str, *, now: datetime, **fields: Any) -> None:
    request.status, request.closed_at = status, now
    for name, value in fields.items():
        setattr(request, name, value)
    request.save(update_fields=["status", "closed_at", *fields])


@transaction.atomic
def withdraw_request(
    *, request_id: int, mentee: Any, now: datetime | None = None
) -> MentoringRequest:
    """The mentee takes back a request the mentor has not yet answered."""
    request = _lock_request(request_id, mentee, "mentee")
    if not request.is_open:
        raise Refused(Refusal.NOT_OPEN)
    _close(request, RequestStatus.WITHDRAWN, now=now or timezone.now())
    return request


def _check_answerable(
    request: MentoringRequest, *, now: datetime, network: NetworkSettings
) -> None:
    # A request past its lapse time is lapsed, whether or not the beat has caught up with it.
    if request.status == RequestStatus.LAPSED or (
        request.status == RequestStatus.WAITING and now >= lapses_at(request, network)
    ):
        raise Refused(Refusal.LAPSED)
    if not request.is_open:
        raise Refused(Refusal.NOT_OPEN)


@transaction.atomic
def accept_request(*, request_id: int, mentor: Any, now: datetime | None = None) -> Pairing:
    """The mentor says yes: the pairing starts today, for the network's term, and the mentee is
    told."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    # The mentor's account first: two accepts at once by one mentor take turns, so the count of
    # their pairings read below is the count the new one joins.
    _lock_account(mentor.pk)
    request = _lock_request(request_id, mentor, "mentor")
    _check_answerable(request, now=now, network=network)
    profile = Profile.objects.get(user_id=mentor.pk)
    if not _has_room(mentor.pk, profile):
        raise Refused(Refusal.AT_CAPACITY)
    if Pairing.objects.live().filter(mentor_id=mentor.pk, mentee_id=request.mentee_id).exists():
        raise Refused(Refusal.ALREADY_PAIRED)
    started_on = london_today(now)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                mentor_id=mentor.pk,
                mentee_id=request.mentee_id,
                status=PairingStatus.ACTIVE,
                origin=Pairing.Origin.REQUEST,
                request=request,
                mentor_agreed_at=now,
                mentee_agreed_at=now,
                term_months=network.pairing_term_months,
                proposed_at=now,
                started_on=started_on,
                ends_on=add_months(started_on, network.pairing_term_months),
            )
    except IntegrityError:
        # A matching round's proposal for the same pair, published this instant.
        raise Refused(Refusal.ALREADY_PAIRED) from None
    _close(request, RequestStatus.ACCEPTED, now=now)
    _tell("mentoring/request_accepted", request.mentee, pairing_id=pairing.pk)
    return pairing


@transaction.atomic
def decline_request(
    *, request_id: int, mentor: Any, reason: str, now: datetime | None = None
) -> MentoringRequest:
    """The mentor says no with a reason from the list; the mentee reads a kind message."""
    request = _lock_request(request_id, mentor, "mentor")
    if reason not in DeclineReason.values:
        raise Refused(Refusal.REASON_NEEDED)
    if not request.is_open:
        raise Refused(Refusal.NOT_OPEN)
    _close(request, RequestStatus.DECLINED, now=now or timezone.now(), decline_reason=reason)
    _tell("mentoring/request_declined", request.mentee, request_id=request.pk)
    return request


@transaction.atomic
def ask_question(
    *, request_id: int, mentor: Any, question: str, now: datetime | None = None
) -> MentoringRequest:
    """The mentor asks the mentee something before deciding. The request waits on the mentee
    now, so it is neither reminded nor lapsed until they answer."""
    now = now or timezone.now()
    request = _lock_request(request_id, mentor, "mentor")
    question = _words(question, code=Refusal.QUESTION_NEEDED)
    _check_answerable(request, now=now, network=NetworkSettings.load())
    if request.status == RequestStatus.QUESTION:
        raise Refused(
            Refusal.NOT_OPEN, "You have asked a question already: the mentee will answer it."
        )
    request.status, request.question, request.answer = RequestStatus.QUESTION, question, ""
    request.save(update_fields=["status", "question", "answer"])
    _tell("mentoring/request_question", request.mentee, request_id=request.pk)
    return request


@transaction.atomic
def answer_question(
    *, request_id: int, mentee: Any, answer: str, now: datetime | None = None
) -> MentoringRequest:
    """The mentee answers the mentor's question; the mentor owes the next word, so the clock for
    the reminder and the lapse starts again."""
    now = now or timezone.now()
    request = _lock_request(request_id, mentee, "mentee")
    if request.status != RequestStatus.QUESTION:
        raise Refused(Refusal.NO_QUESTION)
    answer = _words(answer, code=Refusal.NO_QUESTION, message="Write your answer.")
    request.status, request.answer = RequestStatus.WAITING, answer
    request.waiting_since, request.reminded_at = now, None
    request.save(update_fields=["status", "answer", "waiting_since", "reminded_at"])
    _tell("mentoring/request_answered", request.mentor, request_id=request.pk)
    return request


# ---------------------------------------------------------------------------------------------
# Pairings: agreeing to a round's proposal, check-ins, the fit question, ending and extending


def _lock_pairing(pairing_id: int, member: Any) -> Pairing:
    pairing = (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee")
        .filter(pk=pairing_id)
        .first()
    )
    # A pairing that is not yours looks the same as one that does not exist.
    if pairing is None or not pairing.involves(member):
        raise Refused(Refusal.NOT_YOURS)
    return pairing


def _side(pairing: Pairing, member: Any) -> str:
    return "mentor" if member.pk == pairing.mentor_id else "mentee"


def _start(pairing: Pairing, *, now: datetime) -> None:
    pairing.status = PairingStatus.ACTIVE
    pairing.started_on = london_today(now)
    pairing.ends_on = add_months(pairing.started_on, pairing.term_months)


@transaction.atomic
def agree_to_pairing(*, pairing_id: int, member: Any, now: datetime | None = None) -> Pairing:
    """One side of a proposed pairing says yes; once both have, it starts and both are told.
    Saying yes twice changes nothing."""
    now = now or timezone.now()
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.PROPOSED:
        raise Refused(Refusal.NOT_PROPOSED)
    agreed = f"{_side(pairing, member)}_agreed_at"
    if getattr(pairing, agreed) is not None:
        return pairing
    setattr(pairing, agreed, now)
    fields = [agreed]
    if pairing.mentor_agreed_at is not None and pairing.mentee_agreed_at is not None:
        _start(pairing, now=now)
        fields += ["status", "started_on", "ends_on"]
    pairing.save(update_fields=fields)
    if pairing.status == PairingStatus.ACTIVE:
        _tell_both("mentoring/pairing_started", pairing)
    return pairing


@transaction.atomic
def decline_pairing(*, pairing_id: int, member: Any, now: datetime | None = None) -> Pairing:
    """One side of a proposed pairing says no: it will not go ahead, and both are told without
    saying who."""
    now = now or timezone.now()
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.PROPOSED:
        raise Refused(Refusal.NOT_PROPOSED)
    pairing.status, pairing.ended_at, pairing.ended_by = PairingStatus.DECLINED, now, member
    pairing.save(update_fields=["status", "ended_at", "ended_by"])
    _tell_both("mentoring/pairing_declined", pairing)
    return pairing


@transaction.atomic
def record_check_in(
    *,
    pairing_id: int,
    member: Any,
    held_on: date,
    format: str,
    notes: str,
    now: datetime | None = None,
) -> CheckIn:
    """Either side records a meeting. The notes are the pair's alone."""
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.ACTIVE:
        raise Refused(Refusal.NOT_ACTIVE)
    if held_on > london_today(now):
        raise Refused(Refusal.CHECK_IN_IN_FUTURE)
    if pairing.started_on is None or held_on < pairing.started_on:
        raise Refused(Refusal.CHECK_IN_BEFORE_START)
    return CheckIn.objects.create(
        pairing=pairing,
        held_on=held_on,
        format=MentoringFormat(format),
        notes=notes.strip(),
        recorded_by=member,
        created_at=now or timezone.now(),
    )


def fit_question_opens_on(pairing: Pairing, network: NetworkSettings) -> date | None:
    if pairing.started_on is None:
        return None
    return pairing.started_on + timedelta(weeks=network.fit_question_weeks)


@transaction.atomic
def answer_fit(
    *, pairing_id: int, member: Any, working: bool, now: datetime | None = None
) -> FitAnswer:
    """One side answers "is this working?", privately: the other side never learns the answer.
    A "no" lets them end the pairing without blame and look for someone else."""
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.ACTIVE:
        raise Refused(Refusal.NOT_ACTIVE)
    opens_on = fit_question_opens_on(pairing, NetworkSettings.load())
    if opens_on is None or london_today(now) < opens_on:
        raise Refused(Refusal.FIT_TOO_EARLY)
    if FitAnswer.objects.filter(pairing=pairing, member_id=member.pk).exists():
        raise Refused(Refusal.FIT_ANSWERED)
    return FitAnswer.objects.create(
        pairing=pairing, member=member, working=working, answered_at=now or timezone.now()
    )


@transaction.atomic
def end_pairing(*, pairing_id: int, member: Any, now: datetime | None = None) -> Pairing:
    """Either side ends a running pairing early. The other side is told in neutral words."""
    now = now or timezone.now()
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.ACTIVE:
        raise Refused(Refusal.NOT_ACTIVE)
    pairing.status, pairing.ended_at, pairing.ended_by = PairingStatus.ENDED_EARLY, now, member
    pairing.save(update_fields=["status", "ended_at", "ended_by"])
    partner = pairing.partner_of(member)
    _tell("mentoring/pairing_ended", partner, pairing_id=pairing.pk, user_id=partner.pk)
    return pairing


@transaction.atomic
def end_pairing_for_board(
    *, pairing_id: int, by: Any, reason: str, now: datetime | None = None
) -> Pairing:
    """The programme board ends a pairing, proposed or running, with a reason for the record.
    Both sides are told that the board has ended it; the reason stays in the audit log."""
    now = now or timezone.now()
    pairing = (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("mentor", "mentee")
        .filter(pk=pairing_id)
        .first()
    )
    if pairing is None or not pairing.is_live:
        raise Refused(Refusal.NOT_ACTIVE)
    was = pairing.status
    pairing.status = (
        PairingStatus.DECLINED if was == PairingStatus.PROPOSED else PairingStatus.ENDED_EARLY
    )
    pairing.ended_at, pairing.ended_by = now, by
    pairing.save(update_fields=["status", "ended_at", "ended_by"])
    record(
        actor=by,
        action=AuditAction.PAIRING_ENDED_BY_BOARD,
        target=pairing,
        reason=reason,
        data={"from": was, "to": pairing.status},
    )
    _tell_both("mentoring/pairing_ended_by_board", pairing)
    return pairing


@transaction.atomic
def ask_to_extend(*, pairing_id: int, member: Any) -> Pairing:
    """One side would like to carry on past the term. If both do when the term ends, it runs for
    another term; the other side is told, so they can say so too. Asking twice changes nothing."""
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status != PairingStatus.ACTIVE:
        raise Refused(Refusal.NOT_ACTIVE)
    wish = f"{_side(pairing, member)}_wants_extension"
    if getattr(pairing, wish):
        return pairing
    setattr(pairing, wish, True)
    pairing.save(update_fields=[wish])
    partner = pairing.partner_of(member)
    _tell("mentoring/extension_asked", partner, pairing_id=pairing.pk, user_id=partner.pk)
    return pairing


@transaction.atomic
def give_close_out(
    *,
    pairing_id: int,
    member: Any,
    goals_met: str,
    would_recommend: bool,
    for_the_record: str,
    now: datetime | None = None,
) -> CloseOut:
    """Each side's feedback once the pairing has ended, at the end of its term or early."""
    pairing = _lock_pairing(pairing_id, member)
    if pairing.status not in (PairingStatus.COMPLETED, PairingStatus.ENDED_EARLY):
        raise Refused(Refusal.NOT_ENDED)
    if CloseOut.objects.filter(pairing=pairing, member_id=member.pk).exists():
        raise Refused(Refusal.CLOSE_OUT_GIVEN)
    return CloseOut.objects.create(
        pairing=pairing,
        member=member,
        goals_met=CloseOut.GoalsMet(goals_met),
        would_recommend=would_recommend,
        for_the_record=for_the_record.strip()[:300],
        created_at=now or timezone.now(),
    )


# ---------------------------------------------------------------------------------------------
# Beat: reminders, lapses, the fit question and the end of a term (mentoring/tasks.py)


def remind_and_lapse_requests(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind each mentor once of a request left waiting; lapse it later, telling the mentee they
    are free to ask someone else; pause a mentor who has let too many lapse. Returns (reminded,
    lapsed)."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    lapse_before = now - timedelta(days=network.request_lapse_days)
    remind_before = now - timedelta(days=network.request_reminder_days)
    waiting = MentoringRequest.objects.filter(status=RequestStatus.WAITING)

    lapsed = 0
    for request_id, mentor_id in waiting.filter(waiting_since__lte=lapse_before).values_list(
        "pk", "mentor_id"
    ):
        with transaction.atomic():
            # The claim: a second run, or a mentor answering this instant, finds it taken.
            claimed = MentoringRequest.objects.filter(
                pk=request_id, status=RequestStatus.WAITING, waiting_since__lte=lapse_before
            ).update(status=RequestStatus.LAPSED, closed_at=now)
            if not claimed:
                continue
            request = MentoringRequest.objects.select_related("mentee", "mentor").get(pk=request_id)
            _tell("mentoring/request_lapsed", request.mentee, request_id=request_id)
            # A mentor the board has suspended could not answer: that silence is not theirs.
            if request.mentor.is_active:
                _pause_if_silent(mentor_id, now=now, network=network)
            lapsed += 1

    reminded = 0
    # A suspended mentor cannot answer, so is not reminded; the request lapses in its time.
    due = waiting.filter(
        waiting_since__lte=remind_before,
        waiting_since__gt=lapse_before,
        reminded_at=None,
        mentor__is_active=True,
    )
    for request_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = MentoringRequest.objects.filter(
                pk=request_id, status=RequestStatus.WAITING, reminded_at=None
            ).update(reminded_at=now)
            if not claimed:
                continue
            request = MentoringRequest.objects.select_related("mentor").get(pk=request_id)
            _tell("mentoring/request_reminder", request.mentor, request_id=request_id)
            reminded += 1
    return reminded, lapsed


def _pause_if_silent(mentor_id: int, *, now: datetime, network: NetworkSettings) -> None:
    """Pause the offer of a mentor whose lapsed requests reach the network's limit, counted over
    LAPSES_COUNTED_FOR and since their offer was last paused."""
    since = now - LAPSES_COUNTED_FOR
    last_pause = (
        AuditEvent.objects.filter(
            action=AuditAction.MENTOR_PAUSED,
            target_type=Profile._meta.label,
            target_id=str(mentor_id),
        )
        .aggregate(at=Max("created_at"))
        .get("at")
    )
    if last_pause is not None and last_pause > since:
        since = last_pause
    lapses = MentoringRequest.objects.filter(
        mentor_id=mentor_id, status=RequestStatus.LAPSED, closed_at__gt=since
    ).count()
    if lapses < network.lapses_before_pause:
        return
    paused = Profile.objects.filter(
        user_id=mentor_id, mentoring_status=MentoringStatus.ACCEPTING
    ).update(mentoring_status=MentoringStatus.PAUSED)
    if not paused:
        return
    # Changed without saving the profile: the directory's mentors filter must drop them now.
    directory_changed()
    profile = Profile.objects.select_related("user").get(user_id=mentor_id)
    record(
        actor=None,
        action=AuditAction.MENTOR_PAUSED,
        target=profile,
        reason="Requests lapsed without an answer.",
        data={"lapsed_requests": lapses},
    )
    _tell("mentoring/mentor_paused", profile.user, user_id=mentor_id)


def ask_fit_questions(*, now: datetime | None = None) -> int:
    """Ask both sides of each pairing "is this working?", once, a few weeks in."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    started_by = london_today(now) - timedelta(weeks=network.fit_question_weeks)
    asked = 0
    due = Pairing.objects.filter(
        status=PairingStatus.ACTIVE, fit_asked_at=None, started_on__lte=started_by, paused_at=None
    )
    for pairing_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Pairing.objects.filter(
                pk=pairing_id, status=PairingStatus.ACTIVE, fit_asked_at=None, paused_at=None
            ).update(fit_asked_at=now)
            if claimed:
                pairing = Pairing.objects.select_related("mentor", "mentee").get(pk=pairing_id)
                _tell_both("mentoring/fit_question", pairing)
                asked += 1
    return asked


def remind_check_ins(*, now: datetime | None = None) -> int:
    """Remind both sides of a pairing with no check-in for the network's period; again only
    after another period without one."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    period = timedelta(weeks=network.check_in_reminder_weeks)
    quiet_since = london_today(now) - period
    due = (
        Pairing.objects.filter(status=PairingStatus.ACTIVE, paused_at=None)
        .annotate(
            # Check-ins are never dated before the start, so this is the later of the two.
            last_seen=Coalesce(Max("check_ins__held_on"), "started_on", output_field=DateField())
        )
        .filter(last_seen__lte=quiet_since)
        .filter(Q(check_in_reminded_at=None) | Q(check_in_reminded_at__lte=now - period))
    )
    reminded = 0
    for pairing_id, last_reminded in due.values_list("pk", "check_in_reminded_at"):
        with transaction.atomic():
            claimed = Pairing.objects.filter(
                pk=pairing_id,
                status=PairingStatus.ACTIVE,
                check_in_reminded_at=last_reminded,
                paused_at=None,
            ).update(check_in_reminded_at=now)
            if claimed:
                pairing = Pairing.objects.select_related("mentor", "mentee").get(pk=pairing_id)
                _tell_both("mentoring/check_in_reminder", pairing)
                reminded += 1
    return reminded


def finish_pairings(*, now: datetime | None = None) -> int:
    """At the end of its term a pairing completes and both sides are asked for close-out
    feedback, unless both asked to carry on: then it runs for another term, and each must ask
    again to go on past that one. Returns how many pairings reached the end of a term."""
    now = now or timezone.now()
    today = london_today(now)
    finished = 0
    due = Pairing.objects.filter(status=PairingStatus.ACTIVE, ends_on__lte=today, paused_at=None)
    for pairing_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            pairing = (
                Pairing.objects.select_for_update(of=("self",))
                .select_related("mentor", "mentee")
                .filter(
                    pk=pairing_id, status=PairingStatus.ACTIVE, ends_on__lte=today, paused_at=None
                )
                .first()
            )
            if pairing is None or pairing.ends_on is None:
                continue
            if pairing.mentor_wants_extension and pairing.mentee_wants_extension:
                pairing.ends_on = add_months(pairing.ends_on, pairing.term_months)
                pairing.mentor_wants_extension = pairing.mentee_wants_extension = False
                pairing.save(
                    update_fields=["ends_on", "mentor_wants_extension", "mentee_wants_extension"]
                )
                _tell_both("mentoring/pairing_extended", pairing)
            else:
                pairing.status, pairing.ended_at = PairingStatus.COMPLETED, now
                pairing.save(update_fields=["status", "ended_at"])
                _tell_both("mentoring/pairing_completed", pairing)
            finished += 1
    return finished


# ---------------------------------------------------------------------------------------------
# Suspension: a member's pairings wait while the board has them suspended (mentoring/apps.py)


def pause_pairings_of(user: Any, *, now: datetime | None = None) -> int:
    """Put the member's live pairings on hold: no reminders, questions or end of term until
    they carry on. Each partner is told once, in words that say nothing of why."""
    now = now or timezone.now()
    paused = 0
    for pairing_id in Pairing.objects.live().of(user).values_list("pk", flat=True):
        # The claim: a second run, or the partner's own suspension a moment ago, finds it taken.
        if Pairing.objects.filter(pk=pairing_id, paused_at=None).update(paused_at=now):
            pairing = Pairing.objects.select_related("mentor", "mentee").get(pk=pairing_id)
            partner = pairing.partner_of(user)
            _tell("mentoring/pairing_on_hold", partner, pairing_id=pairing_id, user_id=partner.pk)
            paused += 1
    return paused


def resume_pairings_of(user: Any, *, now: datetime | None = None) -> int:
    """Let the member's paused pairings carry on, unless the partner is away too; the term
    moves on by the days it was on hold. Each partner is told it can carry on."""
    now = now or timezone.now()
    resumed = 0
    paused = Pairing.objects.live().of(user).filter(paused_at__isnull=False)
    for pairing_id in paused.values_list("pk", flat=True):
        with transaction.atomic():
            pairing = (
                Pairing.objects.select_for_update(of=("self",))
                .select_related("mentor", "mentee")
                .filter(pk=pairing_id, paused_at__isnull=False)
                .first()
            )
            if pairing is None:
                continue
            partner = pairing.partner_of(user)
            if not partner.is_active:
                continue
            if pairing.ends_on is not None:
                pairing.ends_on += london_today(now) - london_today(pairing.paused_at)
            pairing.paused_at = None
            pairing.save(update_fields=["paused_at", "ends_on"])
            _tell("mentoring/pairing_resumed", partner, pairing_id=pairing_id, user_id=partner.pk)
            resumed += 1
    return resumed
