"""A second expression of interest or nomination for an address never overwrites the first."""

from typing import Any

import pytest
from django.core import mail as django_mail
from django.test import Client

from invitations.models import Application
from members.models import User
from network.models import AuditAction, AuditEvent
from tests.factories import MemberFactory
from tests.invitations.support import INTEREST, main_content, path_in

pytestmark = pytest.mark.django_db


def test_someone_elses_interest_for_a_waiting_address_is_kept_beside_the_first_not_over_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first_answer = Client().post("/join/", INTEREST)
    first = Application.objects.get()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second_answer = Client(REMOTE_ADDR="198.51.100.7").post(
            "/join/", {**INTEREST, "job_title": "Not a nurse at all", "name": "Someone Else"}
        )
    first.refresh_from_db()
    assert first.job_title == "Deputy Chief Nurse"
    assert first.name == "Grace Adeyemi"
    assert first.status == Application.Status.PENDING
    second = Application.objects.exclude(pk=first.pk).get()
    assert second.status == Application.Status.DUPLICATE
    assert second.duplicate_of == first
    assert second.job_title == "Not a nurse at all"
    assert main_content(second_answer.content.decode()) == main_content(
        first_answer.content.decode()
    )
    [message] = django_mail.outbox
    assert message.to == ["grace@example.org"]
    assert "Someone Else" not in message.body
    assert "nothing you sent before has changed" in message.body
    event = AuditEvent.objects.get(action=AuditAction.APPLICATION_DUPLICATE_RECEIVED)
    assert event.target_id == str(second.pk)
    assert event.data == {"first_application_id": first.pk, "source": "interest"}


def test_the_same_form_sent_twice_is_kept_once(django_capture_on_commit_callbacks: Any) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/join/", INTEREST)
        again = client.post("/join/", {**INTEREST, "email": " GRACE@example.org "})
    assert "We have your expression of interest" in again.content.decode()
    assert Application.objects.count() == 1
    assert len(django_mail.outbox) == 1


def test_a_nomination_for_a_waiting_address_is_kept_beside_it_and_the_nominee_can_withdraw_it(
    django_capture_on_commit_callbacks: Any, client: Client, member: User
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/join/", INTEREST)
    own = Application.objects.get()
    django_mail.outbox.clear()
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/nominate/", {**INTEREST, "career_aspiration": "A board seat."})
    assert response.status_code == 302
    nomination = Application.objects.exclude(pk=own.pk).get()
    assert nomination.status == Application.Status.DUPLICATE
    assert nomination.duplicate_of == own
    assert nomination.nominated_by == member
    [message] = django_mail.outbox
    assert "Amara Okafor" in message.body
    Client().post(path_in(message.body, "/join/withdraw/"))
    nomination.refresh_from_db()
    own.refresh_from_db()
    assert nomination.status == Application.Status.WITHDRAWN
    assert own.status == Application.Status.PENDING


def test_two_members_nominating_one_person_are_both_kept_for_the_board(
    django_capture_on_commit_callbacks: Any, client: Client, member: User
) -> None:
    client.force_login(member)
    client.post("/nominate/", INTEREST)
    other = Client()
    other.force_login(MemberFactory(name="Siobhan Kelly"))
    other.post("/nominate/", INTEREST)
    first, second = Application.objects.order_by("pk")
    assert first.status == Application.Status.PENDING
    assert first.nominated_by == member
    assert second.status == Application.Status.DUPLICATE
    assert second.duplicate_of == first
    assert second.nominated_by is not None and second.nominated_by.name == "Siobhan Kelly"
