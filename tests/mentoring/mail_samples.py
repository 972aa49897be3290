"""A record behind each mentoring message, for the site-wide mail template test
(tests/network/test_mail.py renders every template with every variable required)."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from members.models import MentoringStatus
from mentoring.models import DeclineReason, MentoringRequest, Pairing
from tests.mentoring.support import active_pairing, mentee_with_goals, mentor_with_offer

Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]
RequestStatus = MentoringRequest.Status
PairingStatus = Pairing.Status


def _request(status: str = RequestStatus.WAITING) -> Sample:
    def sample() -> tuple[dict[str, Any], dict[str, str]]:
        request = MentoringRequest.objects.create(
            mentee=mentee_with_goals(name="Amara Okafor"),
            mentor=mentor_with_offer(name="Grace Adeyemi"),
            note="I am preparing for my first board post.",
            question="Which board do you aim for?",
            answer="A community trust.",
            status=status,
            decline_reason=DeclineReason.NO_CAPACITY if status == RequestStatus.DECLINED else "",
        )
        return {"request_id": request.pk}, {}

    return sample


def _pairing(
    status: str = PairingStatus.ACTIVE, *, to_mentor: bool = False, paused: bool = False
) -> Sample:
    def sample() -> tuple[dict[str, Any], dict[str, str]]:
        pairing = active_pairing(
            mentor_with_offer(name="Grace Adeyemi"),
            mentee_with_goals(name="Amara Okafor"),
            status=status,
            ended_at=None if status == PairingStatus.ACTIVE else timezone.now(),
            paused_at=timezone.now() if paused else None,
        )
        reader = pairing.mentor if to_mentor else pairing.mentee
        return {"pairing_id": pairing.pk, "user_id": reader.pk}, {}

    return sample


def _round_proposal() -> tuple[dict[str, Any], dict[str, str]]:
    pairing = Pairing.objects.create(
        mentor=mentor_with_offer(name="Grace Adeyemi"),
        mentee=mentee_with_goals(name="Amara Okafor"),
        origin=Pairing.Origin.ROUND,
    )
    return {"pairing_id": pairing.pk, "user_id": pairing.mentee_id}, {}


def _paused() -> tuple[dict[str, Any], dict[str, str]]:
    mentor = mentor_with_offer(name="Grace Adeyemi", status=MentoringStatus.PAUSED)
    return {"user_id": mentor.pk}, {}


MENTORING_SAMPLES: dict[str, Sample] = {
    "mentoring/request_received": _request(),
    "mentoring/request_reminder": _request(),
    "mentoring/request_answered": _request(),
    "mentoring/request_question": _request(RequestStatus.QUESTION),
    "mentoring/request_declined": _request(RequestStatus.DECLINED),
    "mentoring/request_lapsed": _request(RequestStatus.LAPSED),
    "mentoring/request_accepted": _pairing(),
    "mentoring/mentor_paused": _paused,
    "mentoring/pairing_started": _pairing(to_mentor=True),
    "mentoring/pairing_declined": _pairing(PairingStatus.DECLINED),
    "mentoring/pairing_ended": _pairing(PairingStatus.ENDED_EARLY, to_mentor=True),
    "mentoring/pairing_ended_by_board": _pairing(PairingStatus.ENDED_EARLY),
    "mentoring/extension_asked": _pairing(),
    "mentoring/pairing_extended": _pairing(),
    "mentoring/pairing_completed": _pairing(PairingStatus.COMPLETED),
    "mentoring/fit_question": _pairing(),
    "mentoring/check_in_reminder": _pairing(to_mentor=True),
    "mentoring/round_proposed": _round_proposal,
    "mentoring/pairing_on_hold": _pairing(to_mentor=True, paused=True),
    "mentoring/pairing_resumed": _pairing(),
}
