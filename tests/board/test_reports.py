"""Conduct reports from the concern to the appeal: each rule's yes and its refusals, and who is
told what."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from board import reports
from board.models import Appeal, Report, ReportConflict, Resolution
from board.reports import Refusal
from members.models import Suspension, User
from members.services import erased_address
from members.suspension import current_suspension
from mentoring.matching import suggestions
from network.errors import Refused
from network.models import AuditAction, AuditEvent, OutboundEmail
from network.personal_data import export_for
from tests.board.support import DETAILS, a_report, in_a_week, messages_to, nominated
from tests.events.support import published_event
from tests.factories import BoardMemberFactory, MemberFactory
from tests.mentoring.support import mentee_with_goals, mentor_with_offer

pytestmark = pytest.mark.django_db

Outcome = Resolution.Outcome
REASON = "You shared a colleague's private story without their agreement."


@pytest.fixture
def reporter() -> User:
    return MemberFactory(name="Amara Okafor")


@pytest.fixture
def reported() -> User:
    return MemberFactory(name="Siobhan Kelly")


@pytest.fixture
def second_board_member() -> User:
    return BoardMemberFactory(name="Tom Baker")


def audited(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# Raising a concern ------------------------------------------------------------------------------


def test_a_member_reports_a_member_and_is_sent_an_acknowledgement(
    reporter: User, reported: User
) -> None:
    report = a_report(reporter, reported, evidence_link="https://example.org/thread")

    assert (report.subject, report.member, report.status) == ("member", reported, "open")
    assert (report.target_type, report.target_id) == ("", None)
    [ack] = messages_to(reporter.email, "board/report_received")
    assert "We have received your concern" in ack
    assert "never told who raised it" in ack
    assert messages_to(reported.email) == []
    [raised] = audited(AuditAction.REPORT_RAISED)
    assert (raised.actor, raised.target_id) == (reporter, str(report.pk))
    assert raised.data == {"subject": "member", "reason": report.reason}


def test_a_member_reports_an_event_which_concerns_no_member(reporter: User) -> None:
    event = published_event()

    report = reports.report_concern(
        reporter=reporter,
        subject=Report.Subject.EVENT,
        target=event,
        reason=Report.Reason.INAPPROPRIATE,
        details="The speaker's slides mocked patients.",
    )

    assert (report.target_type, report.target_id, report.member) == ("events.Event", event.pk, None)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"details": "   "}, Refusal.DETAILS_REQUIRED),
        ({"member": None}, Refusal.NOTHING_NAMED),
    ],
)
def test_a_concern_without_what_it_needs_is_refused(
    reporter: User, reported: User, change: dict[str, object], code: Refusal
) -> None:
    values = {"member": reported, "details": DETAILS, **change}
    with pytest.raises(Refused) as refusal:
        reports.report_concern(
            reporter=reporter,
            subject="member",
            reason="other",
            **values,  # type: ignore[arg-type]
        )
    assert refusal.value.code == code
    assert not Report.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_reporting_yourself_is_refused(reporter: User) -> None:
    with pytest.raises(Refused, match="You cannot report yourself"):
        a_report(reporter, reporter)
    assert not Report.objects.exists()


def test_reporting_someone_no_longer_a_member_is_refused(reporter: User, reported: User) -> None:
    reported.is_active = False
    reported.save()
    with pytest.raises(Refused) as refusal:
        a_report(reporter, reported)
    assert refusal.value.code == Refusal.NOT_A_MEMBER


def test_the_same_concern_twice_and_too_many_at_once_are_refused_gently(reporter: User) -> None:
    others = [MemberFactory() for _ in range(reports.OPEN_REPORTS_LIMIT + 1)]
    a_report(reporter, others[0])
    with pytest.raises(Refused, match="already raised a concern about this"):
        a_report(reporter, others[0])
    for other in others[1 : reports.OPEN_REPORTS_LIMIT]:
        a_report(reporter, other)

    with pytest.raises(Refused, match="You can raise another once the board has looked"):
        a_report(reporter, others[-1])

    assert Report.objects.count() == reports.OPEN_REPORTS_LIMIT


# Conflicts and deciding -------------------------------------------------------------------------


def test_a_board_member_with_a_conflict_cannot_decide(
    reporter: User, reported: User, board_member: User
) -> None:
    report = a_report(reporter, reported)
    reports.declare_conflict(report=report, board_member=board_member, reason="We work together.")

    with pytest.raises(Refused) as refusal:
        reports.resolve(report=report, board_member=board_member, outcome="note", reason=REASON)

    assert refusal.value.code == Refusal.CONFLICT
    assert ReportConflict.objects.filter(report=report, board_member=board_member).exists()
    assert audited(AuditAction.REPORT_CONFLICT_DECLARED)[0].reason == "We work together."
    assert not Resolution.objects.exists()


def test_a_warning_tells_the_member_why_and_the_others_only_in_general_words(
    reporter: User, reported: User, board_member: User
) -> None:
    nominator = MemberFactory(name="Grace Adeyemi")
    nominated(reported, by=nominator)
    report = a_report(reporter, reported)

    resolution = reports.resolve(
        report=report, board_member=board_member, outcome=Outcome.WARNING, reason=REASON
    )

    report.refresh_from_db()
    assert (report.status, resolution.outcome, resolution.decided_by) == (
        "resolved",
        "warning",
        board_member,
    )
    [warning] = messages_to(reported.email)
    assert REASON in warning
    assert "/reports/appeal/" in warning
    [told] = messages_to(nominator.email)
    assert "Siobhan Kelly" in told
    [outcome] = messages_to(reporter.email, "board/report_outcome")
    assert "taken the action it thinks right" in outcome
    # The reason reaches the member alone; the reporter reaches no one.
    for message in (told, outcome):
        assert REASON not in message
    for message in (warning, told):
        assert "Amara" not in message
        assert DETAILS not in message
    assert [e.target_id for e in audited(AuditAction.MEMBER_WARNED)] == [str(reported.pk)]
    assert audited(AuditAction.REPORT_RESOLVED)[0].data["outcome"] == "warning"


def test_resolving_twice_is_refused(reporter: User, reported: User, board_member: User) -> None:
    report = a_report(reporter, reported)
    reports.resolve(report=report, board_member=board_member, outcome="note", reason=REASON)

    with pytest.raises(Refused, match="already been resolved"):
        reports.resolve(report=report, board_member=board_member, outcome="warning", reason="x")

    assert Resolution.objects.get().outcome == "note"
    assert len(messages_to(reported.email)) == 0


def test_a_note_or_no_action_tells_only_the_reporter(
    reporter: User, reported: User, board_member: User
) -> None:
    nominated(reported, by=MemberFactory())
    report = a_report(reporter, reported)

    reports.resolve(report=report, board_member=board_member, outcome="no_action", reason=REASON)

    assert list(OutboundEmail.objects.values_list("template", flat=True).order_by("pk")) == [
        "board/report_received",
        "board/report_outcome",
    ]


def test_the_reporter_or_the_member_concerned_cannot_decide(
    reported: User, board_member: User
) -> None:
    report = a_report(board_member, reported)
    with pytest.raises(Refused) as refusal:
        reports.resolve(report=report, board_member=board_member, outcome="note", reason=REASON)
    assert refusal.value.code == Refusal.INVOLVED


def test_a_report_about_an_event_can_only_be_noted(reporter: User, board_member: User) -> None:
    report = reports.report_concern(
        reporter=reporter,
        subject=Report.Subject.EVENT,
        target=published_event(),
        reason="other",
        details=DETAILS,
    )
    with pytest.raises(Refused) as refusal:
        reports.resolve(report=report, board_member=board_member, outcome="warning", reason=REASON)
    assert refusal.value.code == Refusal.NO_MEMBER
    reports.resolve(report=report, board_member=board_member, outcome="note", reason=REASON)


def test_a_suspension_ending_in_the_past_is_refused_and_changes_nothing(
    reporter: User, reported: User, board_member: User
) -> None:
    report = a_report(reporter, reported)

    with pytest.raises(Refused, match="must end after now"):
        reports.resolve(
            report=report,
            board_member=board_member,
            outcome=Outcome.SUSPENSION,
            reason=REASON,
            until=timezone.now() - timedelta(days=1),
        )

    report.refresh_from_db()
    reported.refresh_from_db()
    assert (report.status, reported.is_active) == ("open", True)
    assert not Suspension.objects.exists()
    assert not Resolution.objects.exists()


def test_a_suspension_switches_the_account_off_until_its_date(
    reporter: User, reported: User, board_member: User
) -> None:
    nominator = MemberFactory()
    nominated(reported, by=nominator)
    until = in_a_week()

    resolution = reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.SUSPENSION,
        reason=REASON,
        until=until,
    )

    reported.refresh_from_db()
    assert not reported.is_active
    assert resolution.suspension == current_suspension(reported)
    assert resolution.suspension is not None and resolution.suspension.ends_at == until
    [told] = messages_to(reported.email)
    assert "Your membership is suspended" in told
    assert REASON in told
    [inviter] = messages_to(nominator.email)
    assert "cannot use the network for a time" in inviter
    assert REASON not in inviter and "Amara" not in inviter
    assert audited(AuditAction.MEMBER_SUSPENDED)


def test_an_open_ended_suspension_has_no_end(
    reporter: User, reported: User, board_member: User
) -> None:
    resolution = reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.SUSPENSION,
        reason=REASON,
    )
    assert resolution.suspension is not None and resolution.suspension.ends_at is None
    assert "until the board decides otherwise" in messages_to(reported.email)[0]


@pytest.mark.parametrize("kind", ["board member", "operator"])
def test_removing_a_board_member_or_the_operator_is_refused(
    reporter: User, board_member: User, kind: str
) -> None:
    other = BoardMemberFactory()
    if kind == "operator":
        other = MemberFactory()
        other.is_superuser = other.is_staff = True
        other.save()
    report = a_report(reporter, other)

    with pytest.raises(Refused, match="cannot remove another board member"):
        reports.resolve(report=report, board_member=board_member, outcome="removal", reason=REASON)

    other.refresh_from_db()
    assert other.is_active
    assert not Resolution.objects.exists()


def test_removal_erases_the_member_as_leaving_would_and_still_tells_them(
    reporter: User, reported: User, board_member: User
) -> None:
    address = reported.email
    nominator = MemberFactory()
    nominated(reported, by=nominator)

    reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.REMOVAL,
        reason=REASON,
    )

    reported.refresh_from_db()
    assert reported.email == erased_address(reported.pk)
    assert not reported.is_active
    [told] = messages_to(address)
    assert "no longer a member" in told and REASON in told
    assert "is no longer a member of the network" in messages_to(nominator.email)[0]
    assert audited(AuditAction.MEMBER_REMOVED)
    assert audited(AuditAction.ACCOUNT_DELETED)[0].data == {"initiated_by": "board"}


# Appeals ----------------------------------------------------------------------------------------


@pytest.fixture
def warned(reporter: User, reported: User, board_member: User) -> Resolution:
    return reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.WARNING,
        reason=REASON,
    )


def test_an_appeal_goes_to_a_board_member_who_did_not_decide_and_declared_no_conflict(
    warned: Resolution, reported: User, second_board_member: User
) -> None:
    conflicted = BoardMemberFactory()
    busy = BoardMemberFactory()
    Appeal.objects.create(
        resolution=reports.resolve(
            report=a_report(MemberFactory(), MemberFactory()),
            board_member=second_board_member,
            outcome="warning",
            reason=REASON,
        ),
        text="Not fair.",
        reviewer=busy,
    )
    reports.declare_conflict(report=warned.report, board_member=conflicted, reason="A friend.")

    made = reports.appeal(resolution=warned, member=reported, text="I had her permission.")

    assert made.reviewer == second_board_member
    assert audited(AuditAction.APPEAL_MADE)[0].data["reviewer"] == second_board_member.pk


def test_with_nobody_free_to_review_the_appeal_waits_unassigned(
    warned: Resolution, reported: User
) -> None:
    made = reports.appeal(resolution=warned, member=reported, text="I had her permission.")
    assert made.reviewer is None


def test_appealing_twice_is_refused_clearly(warned: Resolution, reported: User) -> None:
    reports.appeal(resolution=warned, member=reported, text="I had her permission.")

    with pytest.raises(Refused, match="already appealed against this decision"):
        reports.appeal(resolution=warned, member=reported, text="And another thing.")

    assert Appeal.objects.get().text == "I had her permission."


def test_only_the_member_concerned_may_appeal(warned: Resolution, reporter: User) -> None:
    with pytest.raises(Refused) as refusal:
        reports.appeal(resolution=warned, member=reporter, text="Appeal for them.")
    assert refusal.value.code == Refusal.NOT_YOURS


def test_an_appeal_after_the_window_or_against_a_note_is_refused(
    warned: Resolution, reporter: User, reported: User, board_member: User
) -> None:
    late = warned.decided_at + reports.APPEAL_WINDOW + timedelta(minutes=1)
    with pytest.raises(Refused) as refusal:
        reports.appeal(resolution=warned, member=reported, text="Late.", now=late)
    assert refusal.value.code == Refusal.APPEAL_CLOSED

    noted = reports.resolve(
        report=a_report(MemberFactory(), reported), board_member=board_member, outcome="note",
        reason=REASON,
    )  # fmt: skip
    with pytest.raises(Refused) as refusal:
        reports.appeal(resolution=noted, member=reported, text="Why a note?")
    assert refusal.value.code == Refusal.NOT_APPEALABLE
    assert not Appeal.objects.exists()


def test_only_the_reviewer_decides_and_overturning_a_suspension_lifts_it(
    reporter: User, reported: User, board_member: User, second_board_member: User
) -> None:
    suspended = reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.SUSPENSION,
        reason=REASON,
        until=in_a_week(),
    )
    made = reports.appeal(resolution=suspended, member=reported, text="I had her permission.")
    assert made.reviewer == second_board_member

    with pytest.raises(Refused) as refusal:
        reports.decide_appeal(
            appeal=made, board_member=board_member, status="overturned", response="Sorry."
        )
    assert refusal.value.code == Refusal.NOT_REVIEWER

    reports.decide_appeal(
        appeal=made,
        board_member=second_board_member,
        status=Appeal.Status.OVERTURNED,
        response="You showed us her written permission.",
    )

    reported.refresh_from_db()
    assert reported.is_active
    assert current_suspension(reported) is None
    [answer] = messages_to(reported.email, "board/appeal_decided")
    assert "overturned" in answer and "written permission" in answer
    assert audited(AuditAction.APPEAL_DECIDED)[0].data["status"] == "overturned"
    with pytest.raises(Refused, match="already been decided"):
        reports.decide_appeal(
            appeal=made, board_member=second_board_member, status="upheld", response="No."
        )


def test_an_unassigned_appeal_is_for_any_board_member_who_did_not_decide(
    warned: Resolution, reported: User, board_member: User
) -> None:
    made = reports.appeal(resolution=warned, member=reported, text="I had her permission.")
    with pytest.raises(Refused) as refusal:
        reports.decide_appeal(appeal=made, board_member=board_member, status="upheld", response="x")
    assert refusal.value.code == Refusal.DECIDED_IT

    newcomer = BoardMemberFactory()
    decided = reports.decide_appeal(
        appeal=made, board_member=newcomer, status="upheld", response="The warning stands."
    )
    assert (decided.status, decided.reviewer) == ("upheld", newcomer)


def test_a_removed_members_appeal_is_answered_at_the_address_they_were_told_at(
    reporter: User, reported: User, board_member: User, second_board_member: User
) -> None:
    address = reported.email
    removed = reports.resolve(
        report=a_report(reporter, reported),
        board_member=board_member,
        outcome=Outcome.REMOVAL,
        reason=REASON,
    )
    made = reports.appeal(resolution=removed, member=reported, text="Please reconsider.")
    reports.decide_appeal(
        appeal=made, board_member=second_board_member, status="upheld", response="It stands."
    )
    assert len(messages_to(address, "board/appeal_decided")) == 1


# Mentoring keeps reporter and reported apart ---------------------------------------------------


@pytest.mark.parametrize("who_reported", ["mentee", "mentor"])
def test_mentoring_never_suggests_a_member_one_reported_or_was_reported_by(
    who_reported: str,
) -> None:
    mentor = mentor_with_offer(name="Grace Adeyemi")
    mentee = mentee_with_goals(name="Amara Okafor")
    assert [s.profile.pk for s in suggestions(mentee=mentee)] == [mentor.pk]

    reporter, member = (mentee, mentor) if who_reported == "mentee" else (mentor, mentee)
    a_report(reporter, member)

    assert suggestions(mentee=mentee) == []


def test_each_side_downloads_its_own_part_and_never_the_others(
    warned: Resolution, reporter: User, reported: User
) -> None:
    raised = export_for(reporter)["conduct"]
    about = export_for(reported)["conduct"]

    assert [concern["details"] for concern in raised["concerns_raised"]] == [DETAILS]
    assert raised["decisions_about_you"] == []
    assert about["concerns_raised"] == []
    [decision] = about["decisions_about_you"]
    assert (decision["outcome"], decision["reason"]) == ("A warning", REASON)
    assert DETAILS not in json.dumps(about)
    assert "Amara" not in json.dumps(about)
