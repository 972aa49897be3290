"""A record behind each conduct message, for the site-wide mail template test
(tests/network/test_mail.py renders every template with every variable required)."""

from collections.abc import Callable
from typing import Any

from board import reports
from board.models import Appeal, Resolution
from tests.board.support import a_report, in_a_week
from tests.factories import BoardMemberFactory, MemberFactory

Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]
Outcome = Resolution.Outcome


def _resolution(outcome: str) -> Resolution:
    report = a_report(MemberFactory(name="Amara Okafor"), MemberFactory(name="Siobhan Kelly"))
    return reports.resolve(
        report=report,
        board_member=BoardMemberFactory(),
        outcome=outcome,
        reason="You shared a colleague's private story without their agreement.",
        until=in_a_week() if outcome == Outcome.SUSPENSION else None,
    )


def _received() -> tuple[dict[str, Any], dict[str, str]]:
    report = a_report(MemberFactory(name="Amara Okafor"), MemberFactory(name="Siobhan Kelly"))
    return {"report_id": report.pk}, {}


def _decided(outcome: str, **extra: Any) -> Sample:
    def sample() -> tuple[dict[str, Any], dict[str, str]]:
        return {"resolution_id": _resolution(outcome).pk, **extra}, {}

    return sample


def _appeal_decided() -> tuple[dict[str, Any], dict[str, str]]:
    resolution = _resolution(Outcome.WARNING)
    BoardMemberFactory()
    made = reports.appeal(
        resolution=resolution,
        member=resolution.report.member,
        text="I had her agreement to share it; she has written to say so.",
    )
    # A second board member, who did not decide, reviews it.
    decided = reports.decide_appeal(
        appeal=made,
        board_member=made.reviewer or BoardMemberFactory(),
        status=Appeal.Status.UPHELD,
        response="The board has read your appeal and the decision stands.",
    )
    return {"appeal_id": decided.pk}, {}


BOARD_SAMPLES: dict[str, Sample] = {
    "board/report_received": _received,
    "board/report_outcome": _decided(Outcome.NOTE),
    "board/warning": _decided(Outcome.WARNING),
    "board/suspension": _decided(Outcome.SUSPENSION),
    "board/removal": _decided(Outcome.REMOVAL),
    "board/inviter_told": _decided(Outcome.WARNING, member_name="Siobhan Kelly"),
    "board/appeal_decided": _appeal_decided,
}
