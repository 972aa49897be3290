"""What the mentoring mail shows, read from the records when each message is sent.

The outbox keeps ids only; a builder loads the rows at send time, so a message says what is true
when it leaves. A request or pairing that has moved on (a reminder for a request already
answered, a fit question for a pairing already ended) raises NotNeeded: the outbox keeps the
message as not needed, never sent. Builders hand the templates plain values: names, dates,
links, never the rows, and never a check-in's notes or anyone's answer to the fit question.
"""

from datetime import date
from typing import Any

from django.urls import reverse

from members.models import MentoringStatus, Profile, User
from mentoring.models import DeclineReason, MentoringRequest, Pairing, Proposal
from mentoring.services import lapses_at, london_today
from network.links import absolute_url
from network.mail import NotNeeded, builds_context
from network.models import NetworkSettings

RequestStatus = MentoringRequest.Status
PairingStatus = Pairing.Status

# What a mentee reads when a mentor says no: about the mentor's circumstances or the fit, never
# about the mentee.
KIND_DECLINES: dict[str, str] = {
    DeclineReason.NO_CAPACITY: "does not have the time to give a mentee just now. That is about "
    "their diary, not about you.",
    DeclineReason.NOT_MY_AREA: "feels that what you hope to achieve is outside what they can "
    "best help with, and would rather you found someone who can.",
    DeclineReason.BETTER_MATCH: "thinks someone else in the network would be a better match for "
    "what you hope to achieve.",
    DeclineReason.PERSONAL: "cannot take on a mentee just now, for personal reasons.",
}


def name_of(member: User) -> str:
    return member.name or "member"


def day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _home() -> str:
    return absolute_url(reverse("mentoring:home"))


def _request(context: dict[str, Any], *statuses: str) -> MentoringRequest:
    """The request a message is about, while it is still in one of `statuses`."""
    request = (
        MentoringRequest.objects.select_related("mentee", "mentor")
        .filter(pk=context["request_id"], status__in=statuses)
        .first()
    )
    if request is None:
        raise NotNeeded("the request has been answered, withdrawn or has lapsed since")
    return request


def request_context(request: MentoringRequest) -> dict[str, Any]:
    return {
        "mentee_name": name_of(request.mentee),
        "mentor_name": name_of(request.mentor),
        "note": request.note,
        "question": request.question,
        "answer": request.answer,
        "request_url": absolute_url(reverse("mentoring:request", args=[request.pk])),
        "home_url": _home(),
    }


@builds_context("mentoring/request_received")
@builds_context("mentoring/request_answered")
def waiting_request_context(context: dict[str, Any]) -> dict[str, Any]:
    return request_context(_request(context, RequestStatus.WAITING))


@builds_context("mentoring/request_reminder")
def reminder_context(context: dict[str, Any]) -> dict[str, Any]:
    request = _request(context, RequestStatus.WAITING)
    network = NetworkSettings.load()
    return {
        **request_context(request),
        "lapses_on": day(london_today(lapses_at(request, network))),
    }


@builds_context("mentoring/request_question")
def question_context(context: dict[str, Any]) -> dict[str, Any]:
    return request_context(_request(context, RequestStatus.QUESTION))


@builds_context("mentoring/request_lapsed")
def lapsed_context(context: dict[str, Any]) -> dict[str, Any]:
    return request_context(_request(context, RequestStatus.LAPSED))


@builds_context("mentoring/request_declined")
def declined_context(context: dict[str, Any]) -> dict[str, Any]:
    request = _request(context, RequestStatus.DECLINED)
    return {**request_context(request), "kind_reason": KIND_DECLINES[request.decline_reason]}


def _pairing(context: dict[str, Any], *statuses: str) -> Pairing:
    pairing = (
        Pairing.objects.select_related("mentee", "mentor")
        .filter(pk=context["pairing_id"], status__in=statuses)
        .first()
    )
    if pairing is None:
        raise NotNeeded("the pairing has moved on since the message was queued")
    return pairing


def pairing_context(pairing: Pairing, reader_id: int | None) -> dict[str, Any]:
    """A pairing as one side reads it: their own name and their partner's."""
    reader_is_mentor = reader_id == pairing.mentor_id
    me, partner = (
        (pairing.mentor, pairing.mentee) if reader_is_mentor else (pairing.mentee, pairing.mentor)
    )
    return {
        "name": name_of(me),
        "partner_name": name_of(partner),
        "is_mentor": reader_is_mentor,
        "started_on": day(pairing.started_on),
        "ends_on": day(pairing.ends_on),
        "term_months": pairing.term_months,
        "pairing_url": absolute_url(reverse("mentoring:pairing", args=[pairing.pk])),
        "home_url": _home(),
    }


@builds_context("mentoring/request_accepted")
def accepted_context(context: dict[str, Any]) -> dict[str, Any]:
    pairing = _pairing(context, PairingStatus.ACTIVE)
    return pairing_context(pairing, pairing.mentee_id)


@builds_context("mentoring/pairing_started")
@builds_context("mentoring/fit_question")
@builds_context("mentoring/check_in_reminder")
@builds_context("mentoring/extension_asked")
@builds_context("mentoring/pairing_extended")
def active_pairing_context(context: dict[str, Any]) -> dict[str, Any]:
    return pairing_context(_pairing(context, PairingStatus.ACTIVE), context.get("user_id"))


@builds_context("mentoring/pairing_declined")
def declined_pairing_context(context: dict[str, Any]) -> dict[str, Any]:
    return pairing_context(_pairing(context, PairingStatus.DECLINED), context.get("user_id"))


@builds_context("mentoring/pairing_ended")
def ended_context(context: dict[str, Any]) -> dict[str, Any]:
    return pairing_context(_pairing(context, PairingStatus.ENDED_EARLY), context.get("user_id"))


@builds_context("mentoring/pairing_ended_by_board")
def ended_by_board_context(context: dict[str, Any]) -> dict[str, Any]:
    pairing = _pairing(context, PairingStatus.ENDED_EARLY, PairingStatus.DECLINED)
    return pairing_context(pairing, context.get("user_id"))


@builds_context("mentoring/pairing_completed")
def completed_context(context: dict[str, Any]) -> dict[str, Any]:
    return pairing_context(_pairing(context, PairingStatus.COMPLETED), context.get("user_id"))


@builds_context("mentoring/pairing_on_hold")
def on_hold_context(context: dict[str, Any]) -> dict[str, Any]:
    pairing = _pairing(context, *Pairing.LIVE)
    if pairing.paused_at is None:
        raise NotNeeded("the pairing has carried on since it was put on hold")
    return pairing_context(pairing, context.get("user_id"))


@builds_context("mentoring/pairing_resumed")
def resumed_context(context: dict[str, Any]) -> dict[str, Any]:
    pairing = _pairing(context, *Pairing.LIVE)
    if pairing.paused_at is not None:
        raise NotNeeded("the pairing has been put on hold again since")
    return pairing_context(pairing, context.get("user_id"))


@builds_context("mentoring/mentor_paused")
def paused_context(context: dict[str, Any]) -> dict[str, Any]:
    # A mentor who has already turned their offer back on needs no note asking them to.
    profile = (
        Profile.objects.select_related("user")
        .filter(user_id=context["user_id"], mentoring_status=MentoringStatus.PAUSED)
        .first()
    )
    if profile is None:
        raise NotNeeded("the mentor has changed their offer since it was paused")
    return {
        "name": name_of(profile.user),
        "offer_url": absolute_url(reverse("mentoring:offer")),
        "home_url": _home(),
    }


@builds_context("mentoring/round_proposed")
def round_proposed_context(context: dict[str, Any]) -> dict[str, Any]:
    # A proposal already answered by either side needs no introduction.
    pairing = _pairing(context, PairingStatus.PROPOSED)
    data = pairing_context(pairing, context.get("user_id"))
    # The mentee reads why the board's matching chose this mentor: reasons written for them,
    # from what the mentor shows to members only.
    data["reasons"] = (
        []
        if data["is_mentor"]
        else list(
            Proposal.objects.filter(round_id=pairing.round_id, mentee_id=pairing.mentee_id)
            .values_list("reasons", flat=True)
            .first()
            or []
        )
    )
    return data
