"""Each state change is a model method that checks the current state; refusals carry a code."""

import ast
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from invitations import services
from invitations.models import Application, Invitation, Refusal
from members.models import User
from network.errors import Refused
from tests.factories import ApplicationFactory, BoardMemberFactory
from tests.invitations.support import invited, snapshot

pytestmark = pytest.mark.django_db

Status = Application.Status
OPEN = {Status.PENDING, Status.MORE_INFO}

APPLICATION_TRANSITIONS: dict[str, tuple[set[str], Any]] = {
    "mark_withdrawn": (OPEN | {Status.DUPLICATE}, lambda a, now: a.mark_withdrawn()),
    "mark_rejected": ({Status.PENDING}, lambda a, now: a.mark_rejected(now=now)),
    "mark_more_info": ({Status.PENDING}, lambda a, now: a.mark_more_info(question="Who?")),
    "mark_approved": ({Status.PENDING}, lambda a, now: a.mark_approved(now=now)),
    "mark_more_info_given": (
        {Status.MORE_INFO},
        lambda a, now: a.mark_more_info_given(answer="Two ward sisters."),
    ),
    "mark_open_for_endorsement": (OPEN, lambda a, now: a.mark_open_for_endorsement(now=now)),
}


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("transition", sorted(APPLICATION_TRANSITIONS))
def test_application_transitions_check_the_state_and_change_nothing_when_refused(
    transition: str, status: Status
) -> None:
    allowed, change = APPLICATION_TRANSITIONS[transition]
    first = ApplicationFactory(status=Status.REJECTED)
    application = ApplicationFactory(
        status=status, duplicate_of=first if status == Status.DUPLICATE else None
    )
    before = snapshot()
    if status in allowed:
        change(application, timezone.now())
        assert snapshot() != before
    else:
        with pytest.raises(Refused) as refused:
            change(application, timezone.now())
        assert isinstance(refused.value.code, Refusal)
        assert refused.value.message
        assert snapshot() == before


INVITATION_TRANSITIONS: dict[str, tuple[set[tuple[str, bool]], Any]] = {
    "mark_accepted": (
        {("pending", False)},
        lambda i, now, user: i.mark_accepted(by=user, now=now),
    ),
    "mark_revoked": (
        {("pending", False), ("pending", True)},
        lambda i, now, user: i.mark_revoked(),
    ),
    "mark_expired": ({("pending", True)}, lambda i, now, user: i.mark_expired(now=now)),
    "renew": (
        {("pending", False), ("pending", True), ("expired", False), ("expired", True)},
        lambda i, now, user: i.renew(days=14, now=now),
    ),
}


@pytest.mark.parametrize("lapsed", [False, True])
@pytest.mark.parametrize("status", list(Invitation.Status))
@pytest.mark.parametrize("transition", sorted(INVITATION_TRANSITIONS))
def test_invitation_transitions_check_the_state_and_change_nothing_when_refused(
    transition: str, status: Invitation.Status, lapsed: bool
) -> None:
    allowed, change = INVITATION_TRANSITIONS[transition]
    application = ApplicationFactory(status=Status.APPROVED)
    invitation = Invitation(application=application, email=application.email, status=status)
    invitation.new_link(days=14)
    invitation.save()
    now = invitation.expires_at + timezone.timedelta(seconds=1) if lapsed else timezone.now()
    user = User.objects.create_user(email="new@example.org", password=None)
    before = snapshot()
    if (status, lapsed) in allowed:
        change(invitation, now, user)
        assert snapshot() != before
    else:
        with pytest.raises(Refused) as refused:
            change(invitation, now, user)
        assert isinstance(refused.value.code, Refusal)
        assert snapshot() == before


def test_acceptance_takes_no_request_and_signs_nobody_in(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, token = invited(django_capture_on_commit_callbacks)
    user = services.accept_invitation(token=token, password="a-long-test-password-123")
    assert user.email == "grace@example.org"


def test_refusals_from_the_services_carry_a_code_and_words(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, token = invited(django_capture_on_commit_callbacks)
    services.accept_invitation(token=token, password="a-long-test-password-123")
    with pytest.raises(Refused) as used:
        services.accept_invitation(token=token, password="a-long-test-password-123")
    assert used.value.code == Refusal.INVITATION_USED
    application = ApplicationFactory()
    with pytest.raises(Refused) as no_reason:
        services.decide(
            application_id=application.pk, board_member=BoardMemberFactory(), verdict="reject"
        )
    assert no_reason.value.code == Refusal.REASON_REQUIRED
    assert "Give a reason" in str(no_reason.value)


def test_the_services_know_nothing_of_http() -> None:
    # Which app may import which is the import contract's job (tests/test_imports.py); this
    # keeps requests, responses and signing in out of the services.
    tree = ast.parse((Path(settings.BASE_DIR) / "invitations" / "services.py").read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"django.http", "django.contrib.auth", "django.shortcuts"}


@pytest.mark.parametrize("url", ["/join/", "/nominate/"])
def test_select_fields_start_on_select_an_option(client: Client, member: User, url: str) -> None:
    client.force_login(member)
    page = client.get(url).content.decode()
    assert page.count('<option value="" selected>Select an option</option>') == 2
    assert "---------" not in page
