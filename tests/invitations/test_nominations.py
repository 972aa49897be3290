"""Nominations: limited per member, the nominee told and free to withdraw, and kept from other
members until the programme board opens the application for endorsement."""

from typing import Any

import pytest
from django.core import mail as django_mail
from django.test import Client

from invitations import services
from invitations.models import Application, Endorsement
from members.models import User
from network.models import AuditAction, AuditEvent
from tests.factories import ApplicationFactory, BoardMemberFactory, MemberFactory, sign_in_with_mfa
from tests.invitations.support import INTEREST, path_in

pytestmark = pytest.mark.django_db


def nomination(n: int) -> dict[str, str]:
    return {**INTEREST, "email": f"colleague{n}@example.org", "name": f"Colleague {n}"}


def test_a_member_may_nominate_five_people_a_day_then_is_told_clearly(
    client: Client, member: User
) -> None:
    client.force_login(member)
    statuses = [client.post("/nominate/", nomination(n)).status_code for n in range(6)]
    assert services.NOMINATION_LIMIT == 5
    assert statuses == [302] * 5 + [429]
    refused = client.post("/nominate/", nomination(9))
    assert refused.status_code == 429
    assert "You have nominated 5 people today" in refused.content.decode()
    assert Application.objects.count() == 5
    other = Client()
    other.force_login(MemberFactory())
    assert other.post("/nominate/", nomination(7)).status_code == 302


def test_the_nominee_is_told_who_nominated_them_and_can_withdraw(
    client: Client, member: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/nominate/", INTEREST)
    [message] = django_mail.outbox
    assert message.to == ["grace@example.org"]
    assert "Amara Okafor, a member of" in message.body
    page = Client().get(path_in(message.body, "/join/withdraw/"))
    assert "Withdraw the nomination" in page.content.decode()
    Client().post(path_in(message.body, "/join/withdraw/"))
    assert Application.objects.get().status == Application.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action=AuditAction.APPLICATION_WITHDRAWN).exists()


def test_nominees_stay_hidden_from_members_until_the_board_opens_them_for_endorsement(
    client: Client, member: User
) -> None:
    client.force_login(member)
    client.post("/nominate/", INTEREST)
    application = Application.objects.get()
    reader = Client()
    reader.force_login(MemberFactory())
    assert "Grace Adeyemi" not in reader.get("/applications/").content.decode()
    assert reader.get(f"/applications/{application.pk}/endorse/").status_code == 404
    refused = reader.post(f"/applications/{application.pk}/endorse/", {"text": "A fine mentor."})
    assert refused.status_code == 404
    assert "Grace Adeyemi" not in refused.content.decode()
    assert not Endorsement.objects.exists()

    board = BoardMemberFactory()
    services.open_for_endorsement(application_id=application.pk, by=board)
    assert "Grace Adeyemi" in reader.get("/applications/").content.decode()
    reader.post(f"/applications/{application.pk}/endorse/", {"text": "A fine mentor."})
    assert Endorsement.objects.get().text == "A fine mentor."
    event = AuditEvent.objects.get(action=AuditAction.APPLICATION_OPENED_FOR_ENDORSEMENT)
    assert event.actor == board
    assert event.target_id == str(application.pk)


def test_the_endorse_service_refuses_an_application_not_open_for_endorsement(
    member: User,
) -> None:
    application = ApplicationFactory()
    with pytest.raises(services.Refused) as refused:
        services.endorse(application_id=application.pk, member=member, text="Generous.")
    assert refused.value.code == services.Refusal.NOT_OPEN_FOR_ENDORSEMENT
    assert not Endorsement.objects.exists()


def test_only_an_open_application_can_be_opened_for_endorsement_and_only_once() -> None:
    board = BoardMemberFactory()
    decided = ApplicationFactory(status=Application.Status.REJECTED)
    with pytest.raises(services.Refused) as refused:
        services.open_for_endorsement(application_id=decided.pk, by=board)
    assert refused.value.code == services.Refusal.NOT_OPEN
    waiting = ApplicationFactory()
    services.open_for_endorsement(application_id=waiting.pk, by=board)
    with pytest.raises(services.Refused) as again:
        services.open_for_endorsement(application_id=waiting.pk, by=board)
    assert again.value.code == services.Refusal.ALREADY_OPEN_FOR_ENDORSEMENT
    assert AuditEvent.objects.filter(target_id=str(waiting.pk)).count() == 1


def test_the_board_opens_applications_for_endorsement_from_the_admin(
    board_member: User,
) -> None:
    application = ApplicationFactory()
    client = Client()
    sign_in_with_mfa(client, board_member)
    client.post(
        "/board/invitations/application/",
        {"action": "open_for_endorsement", "_selected_action": [application.pk]},
    )
    application.refresh_from_db()
    assert application.endorsements_open_at is not None
    assert (
        AuditEvent.objects.get(action=AuditAction.APPLICATION_OPENED_FOR_ENDORSEMENT).actor
        == board_member
    )


@pytest.mark.parametrize("opened", [False, True])
@pytest.mark.parametrize("status", list(Application.Status))
def test_the_queryset_and_the_model_agree_on_open_for_endorsement(
    status: Application.Status, opened: bool
) -> None:
    first = ApplicationFactory(email="first@example.org", status=Application.Status.REJECTED)
    application = ApplicationFactory(
        status=status, duplicate_of=first if status == Application.Status.DUPLICATE else None
    )
    if opened:
        Application.objects.filter(pk=application.pk).update(
            endorsements_open_at="2026-11-01T10:00Z"
        )
        application.refresh_from_db()
    listed = Application.objects.open_for_endorsement().filter(pk=application.pk).exists()
    assert listed == application.can_be_endorsed()
    assert listed == (
        opened and status in (Application.Status.PENDING, Application.Status.MORE_INFO)
    )


def test_the_privacy_notice_says_when_members_see_a_nomination(client: Client) -> None:
    page = client.get("/privacy/").content.decode()
    assert "If a member nominates you" in page
    assert "only after the programme board opens" in page
