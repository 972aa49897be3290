"""What a reporter writes about a member is for the board alone.

A member raises a concern about the subject with a unique marker in its details, and the board
warns the subject. Then every role opens every page of the site and the board site's pages
about that report, the subject opens everything they can (their appeal page included), and every
email the network queued is read. The marker must show nowhere but to the board, in a session
that passed two-factor authentication.
"""

import pytest
from django.test import Client
from django.urls import reverse

from board import reports
from board.models import Report, Resolution
from network.mail import render_email
from network.models import OutboundEmail
from tests.factories import MemberFactory
from tests.site.sitemap import ROLES, Demo, Role, admin_model_for, site_routes, visit
from tests.site.test_privacy_marker import pages_for, pages_showing

pytestmark = pytest.mark.django_db

REPORT_MARKER = "MARKER-REPORTED-41c9"
MAY_SEE = {Role.BOARD_WITH_MFA, Role.OPERATOR}


def report_with_marker(demo: Demo) -> Resolution:
    reporter = MemberFactory(name="Rosa Adeyemi", email="rosa@example.org")
    report = reports.report_concern(
        reporter=reporter,
        subject=Report.Subject.MEMBER,
        member=demo.subject,
        reason=Report.Reason.HARASSMENT,
        details=f"At the dinner she said {REPORT_MARKER} about a colleague.",
    )
    return reports.resolve(
        report=report,
        board_member=demo.board,
        outcome=Resolution.Outcome.WARNING,
        reason="Members speak of colleagues with respect.",
    )


def report_pages(resolution: Resolution) -> list[str]:
    """The board site's pages about the report, and the subject's appeal link."""
    paths = []
    for route in site_routes():
        if admin_model_for(route) is Report and set(route.params) <= {"object_id", "pk"}:
            paths.append(route.path(dict.fromkeys(route.params, str(resolution.report_id))))
    paths.append(reverse("board:appeal", args=[reports.appeal_token(resolution)]))
    return paths


def leaks(client: Client, paths: list[str]) -> list[str]:
    return pages_showing(client, paths, REPORT_MARKER, "the report's details")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in MAY_SEE], ids=str)
def test_a_reports_details_reach_no_one_outside_the_board(
    role: Role, demo: Demo, clients: dict[Role, Client]
) -> None:
    resolution = report_with_marker(demo)
    problems = leaks(clients[role], pages_for(role, demo) + report_pages(resolution))
    assert not problems, f"{role} sees what was reported:\n" + "\n".join(problems)


def test_the_member_reported_never_sees_what_was_said(demo: Demo) -> None:
    resolution = report_with_marker(demo)
    client = Client()
    client.force_login(demo.subject)
    problems = leaks(client, pages_for(Role.MEMBER, demo) + report_pages(resolution))
    assert not problems, "the member reported sees the details:\n" + "\n".join(problems)


def test_no_email_but_the_reporters_own_carries_the_details(demo: Demo) -> None:
    resolution = report_with_marker(demo)
    told = OutboundEmail.objects.exclude(to_email=resolution.report.reporter.email)
    assert told.filter(to_email=demo.subject.email).exists(), "the warning was not queued"
    for email in told:
        message = render_email(email)
        rendered = "\n".join(
            [message.subject, str(message.body)]
            + [str(content) for content, _ in getattr(message, "alternatives", [])]
        )
        assert REPORT_MARKER not in rendered, f"email {email.template} to {email.to_email}"


def test_the_board_reads_the_details_on_the_report(demo: Demo, clients: dict[Role, Client]) -> None:
    """The control: the words are there to be found where they belong."""
    resolution = report_with_marker(demo)
    change = [path for path in report_pages(resolution) if path.endswith("/change/")]
    assert change, "no change page for reports on the board site"
    _, body = visit(clients[Role.BOARD_WITH_MFA], change[0])
    assert REPORT_MARKER in body.decode()
