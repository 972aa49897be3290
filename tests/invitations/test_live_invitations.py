"""One meaning of a "live" invitation, shared by the queryset, the model and the database."""

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from invitations import services
from invitations.models import Application, Invitation
from members.models import User
from tests.factories import (
    ApplicationFactory,
    BoardMemberFactory,
    MemberFactory,
    sign_in_with_mfa,
)
from tests.invitations.support import INTEREST, invited

pytestmark = pytest.mark.django_db


def lapse(invitation: Invitation) -> None:
    """The expiry time passes, and the hourly expiry job has not run yet."""
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_a_lapsed_invitation_is_replaced_when_the_board_invites_the_address_directly(
    django_capture_on_commit_callbacks: Any,
) -> None:
    old, _ = invited(django_capture_on_commit_callbacks)
    lapse(old)
    new = services.invite_directly(
        data={**INTEREST, "current_mentees": 2}, invited_by=BoardMemberFactory()
    )
    old.refresh_from_db()
    assert old.status == Invitation.Status.EXPIRED
    assert new.status == Invitation.Status.PENDING
    assert list(Invitation.objects.live()) == [new]


def test_a_lapsed_invitation_is_replaced_when_a_new_application_is_approved(
    django_capture_on_commit_callbacks: Any,
) -> None:
    old, _ = invited(django_capture_on_commit_callbacks)
    lapse(old)
    again = ApplicationFactory(email=old.email)
    services.decide(application_id=again.pk, board_member=BoardMemberFactory(), verdict="approve")
    again.refresh_from_db()
    assert again.status == Application.Status.APPROVED
    assert Invitation.objects.live().get().application == again


def test_the_board_page_to_invite_directly_answers_for_a_lapsed_address(
    django_capture_on_commit_callbacks: Any, board_member: User
) -> None:
    old, _ = invited(django_capture_on_commit_callbacks)
    lapse(old)
    client = Client(raise_request_exception=False)
    sign_in_with_mfa(client, board_member)
    response = client.post("/board/invitations/application/invite/", INTEREST)
    assert response.status_code == 302
    assert Invitation.objects.filter(email=old.email).count() == 2


def test_resending_a_lapsed_invitation_when_a_newer_one_is_live_is_refused(
    django_capture_on_commit_callbacks: Any,
) -> None:
    old, _ = invited(django_capture_on_commit_callbacks)
    lapse(old)
    services.invite_directly(data={**INTEREST, "current_mentees": 2}, invited_by=old.invited_by)
    with pytest.raises(services.Refused) as refused:
        services.resend(invitation_id=old.pk, by=BoardMemberFactory())
    assert refused.value.code == services.Refusal.LIVE_INVITATION


STATES = [
    (status, lapsed) for status in Invitation.Status for lapsed in (False, True)
]  # fmt: skip


@pytest.mark.parametrize(("status", "lapsed"), STATES)
def test_the_queryset_the_model_and_the_database_agree_on_live(
    status: Invitation.Status, lapsed: bool
) -> None:
    now = timezone.now()
    application = ApplicationFactory(status="approved")
    invitation = Invitation(application=application, email=application.email, status=status)
    invitation.new_link(days=14)
    if lapsed:
        invitation.expires_at = now - timedelta(seconds=1)
    invitation.save()
    # The one step that brings the stored status up to date with the clock; the services and
    # the hourly job both take it before relying on the constraint.
    Invitation.objects.expire_lapsed(now=now)
    invitation.refresh_from_db()

    in_queryset = Invitation.objects.live(now=now).filter(pk=invitation.pk).exists()
    by_the_model = invitation.is_live(now=now)
    another = Invitation(application=application, email=application.email.upper())
    another.new_link(days=14)
    try:
        with transaction.atomic():
            another.save()
    except IntegrityError:
        blocked_by_the_database = True
    else:
        blocked_by_the_database = False
    assert in_queryset == by_the_model == blocked_by_the_database
    assert by_the_model == (status == Invitation.Status.PENDING and not lapsed)


def test_accepting_an_invitation_for_an_address_that_became_a_members_changes_nothing(
    client: Client,
) -> None:
    board = BoardMemberFactory()
    invitation = services.invite(
        application=ApplicationFactory(email="late@example.org"), invited_by=board
    )
    token = invitation.token()
    member = MemberFactory()
    EmailAddress.objects.create(user=member, email="late@example.org", verified=True)
    accounts = User.objects.count()
    response = client.post(
        f"/invitation/{token}/",
        {"password1": "a-long-new-password-9", "password2": "a-long-new-password-9", "agree": "on"},
    )
    assert response.status_code == 409
    assert "An account already uses this email address" in response.content.decode()
    assert User.objects.count() == accounts
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING
