from datetime import timedelta
from typing import Any

from django.utils import timezone

from board import reports
from board.models import Report
from invitations.models import Application, Invitation
from members.models import User
from network.mail import render_email
from network.models import OutboundEmail
from tests.factories import ApplicationFactory

DETAILS = "She shared what I told her in confidence at the March workshop."


def nominated(member: User, *, by: User) -> Invitation:
    """Record that `by` nominated `member`, who joined through the invitation."""
    application = ApplicationFactory(
        email=member.email, nominated_by=by, source=Application.Source.NOMINATION
    )
    invitation = Invitation(
        application=application,
        email=member.email,
        status=Invitation.Status.ACCEPTED,
        member=member,
        accepted_at=timezone.now(),
    )
    invitation.new_link(days=14)
    invitation.save()
    return invitation


def a_report(reporter: User, member: User, **fields: Any) -> Report:
    values: dict[str, Any] = {
        "reason": Report.Reason.CONFIDENTIALITY,
        "details": DETAILS,
        "evidence_link": "",
    }
    return reports.report_concern(
        reporter=reporter, subject=Report.Subject.MEMBER, member=member, **{**values, **fields}
    )


def messages_to(address: str, template: str | None = None) -> list[str]:
    """Every message queued to an address (or of one template), rendered as it would be sent:
    subject, text and HTML together."""
    rows = OutboundEmail.objects.filter(to_email=address).order_by("pk")
    if template:
        rows = rows.filter(template=template)
    rendered = []
    for row in rows:
        message = render_email(row)
        html = message.alternatives[0][0]
        rendered.append(f"{message.subject}\n{message.body}\n{html}")
    return rendered


def in_a_week() -> Any:
    return timezone.now() + timedelta(days=7)
