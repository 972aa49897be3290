"""What the invitation tests share: a filled-in form, a snapshot of the records, an invitation."""

import re
from typing import Any

from django.core import mail as django_mail

from invitations import services
from invitations.models import Application, Decision, Invitation
from members.models import User
from network.models import AuditEvent
from tests.factories import ApplicationFactory, BoardMemberFactory

INTEREST = {
    "name": "Grace Adeyemi",
    "email": "grace@example.org",
    "job_title": "Deputy Chief Nurse",
    "organisation": "Leeds Teaching Hospitals NHS Trust",
    "profession": "nursing",
    "region": "north_east_yorkshire",
    "career_aspiration": "Chief nurse of an acute trust.",
    "mentoring_evidence": "Mentored six ward managers over four years.",
    "current_mentees": "2",
    "referee": "",
}


def snapshot() -> dict[str, list[Any]]:
    return {
        "applications": list(Application.objects.order_by("pk").values()),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "decisions": list(Decision.objects.values()),
        "users": list(User.objects.values_list("pk", "email")),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("action", "target_id")),
    }


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+/invitation/([0-9a-f]+)/", body)
    assert match, body
    return match.group(1)


def path_in(body: str, prefix: str) -> str:
    match = re.search(rf"https?://[^/]+({prefix}\S+/)", body)
    assert match, body
    return match.group(1)


def invited(
    django_capture_on_commit_callbacks: Any, email: str = "grace@example.org"
) -> tuple[Invitation, str]:
    application = ApplicationFactory(email=email)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(
            application_id=application.pk, board_member=BoardMemberFactory(), verdict="approve"
        )
    invitation = Invitation.objects.get(email=email)
    return invitation, link_in(django_mail.outbox[-1].body)


def main_content(page: str) -> str:
    """What a person reads on a page, without the per-request nonces around it."""
    start, end = page.index("<main"), page.index("</main>")
    return page[start:end]
