"""Two board members acting on one report at once, and one member sending many concerns at once:
the row locks let only what the rules allow through. Real threads against PostgreSQL."""

import time
from types import SimpleNamespace
from typing import Any

import pytest

from board import reports
from board.models import Report, ReportQuerySet, Resolution
from board.reports import Refusal
from members.models import Suspension
from tests.board.support import a_report, in_a_week
from tests.factories import BoardMemberFactory, MemberFactory
from tests.mentoring.support import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_board_members_deciding_one_report_at_once_make_one_decision() -> None:
    report = a_report(MemberFactory(), MemberFactory())
    priya, tom = BoardMemberFactory(), BoardMemberFactory()

    answers = at_once(
        [
            lambda: reports.resolve(
                report=report,
                board_member=priya,
                outcome="suspension",
                reason="Repeated.",
                until=in_a_week(),
            ),
            lambda: reports.resolve(
                report=report, board_member=tom, outcome="warning", reason="Once."
            ),
        ]
    )

    assert sum(isinstance(answer, Resolution) for answer in answers) == 1
    assert answers.count(Refusal.ALREADY_RESOLVED) == 1
    resolution = Resolution.objects.get()
    # A suspension exists only if the suspension was the decision that won.
    assert Suspension.objects.exists() == (resolution.outcome == "suspension")


def test_many_concerns_sent_at_once_stop_at_the_limit() -> None:
    reporter = MemberFactory()
    others = [MemberFactory() for _ in range(reports.OPEN_REPORTS_LIMIT + 2)]

    answers = at_once([lambda other=other: a_report(reporter, other) for other in others])

    assert answers.count(Refusal.TOO_MANY) == 2
    assert Report.objects.open().filter(reporter=reporter).count() == reports.OPEN_REPORTS_LIMIT


def test_control_without_the_reporters_lock_concerns_overrun_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Shows the test above can see the race: with no lock on the reporter, and a slow insert,
    concerns sent together all count the same waiting ones and all get through."""
    nothing = SimpleNamespace(first=lambda: None)
    unlocked = SimpleNamespace(
        select_for_update=lambda: SimpleNamespace(filter=lambda **_: nothing)
    )
    monkeypatch.setattr(reports, "User", SimpleNamespace(objects=unlocked))
    create = ReportQuerySet.create

    def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return create(self, *args, **kwargs)

    monkeypatch.setattr(ReportQuerySet, "create", slow)
    reporter = MemberFactory()
    others = [MemberFactory() for _ in range(reports.OPEN_REPORTS_LIMIT + 2)]

    at_once([lambda other=other: a_report(reporter, other) for other in others])

    assert Report.objects.open().filter(reporter=reporter).count() > reports.OPEN_REPORTS_LIMIT
