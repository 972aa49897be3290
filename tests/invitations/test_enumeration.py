"""Nobody learns from /join/ or /nominate/ whether an address belongs to a member, has an
application waiting or has an invitation waiting: the page and status are the same; the person
at the address is told by email where that matters."""

from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail as django_mail
from django.core.cache import cache
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.test import Client

from invitations.models import Application, Invitation
from members.models import User
from tests.factories import ApplicationFactory, MemberFactory
from tests.invitations.support import INTEREST, invited, main_content, snapshot

pytestmark = pytest.mark.django_db

ADDRESS = INTEREST["email"]


def nobody(capture: Any) -> None:
    pass


def a_member(capture: Any) -> None:
    MemberFactory(email=ADDRESS, name="Grace Adeyemi")


def a_waiting_application(capture: Any) -> None:
    ApplicationFactory(email=ADDRESS, job_title="Chief Nurse")


def a_live_invitation(capture: Any) -> None:
    invited(capture, email=ADDRESS)


SITUATIONS: dict[str, Callable[[Any], None]] = {
    "nobody": nobody,
    "member": a_member,
    "waiting application": a_waiting_application,
    "live invitation": a_live_invitation,
}


def forget_the_address() -> None:
    """Move everything held for the address aside, so the next situation starts afresh."""
    elsewhere = Concat(Value("gone-"), "pk", Value("@example.org"), output_field=CharField())
    Invitation.objects.update(email=elsewhere)
    Application.objects.update(email=elsewhere)
    User.objects.filter(email=ADDRESS).update(email="gone-member@example.org")
    EmailAddress.objects.filter(email=ADDRESS).update(email="gone-member@example.org")
    cache.clear()


def join_answer(situation: str, capture: Any) -> tuple[int, str]:
    SITUATIONS[situation](capture)
    django_mail.outbox.clear()
    with capture(execute=True):
        response = Client().post("/join/", {**INTEREST, "job_title": "Director of Nursing"})
    return response.status_code, main_content(response.content.decode())


def test_join_answers_the_same_page_whatever_the_address(
    django_capture_on_commit_callbacks: Any,
) -> None:
    answers = {}
    for situation in SITUATIONS:
        answers[situation] = join_answer(situation, django_capture_on_commit_callbacks)
        forget_the_address()
    assert answers["nobody"][0] == 200
    assert "We have your expression of interest" in answers["nobody"][1]
    for situation, answer in answers.items():
        assert answer == answers["nobody"], situation


def test_a_member_who_expresses_interest_is_emailed_how_to_sign_in_and_nothing_is_stored(
    django_capture_on_commit_callbacks: Any,
) -> None:
    a_member(None)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/join/", INTEREST)
    assert snapshot() == before
    [message] = django_mail.outbox
    assert message.to == [ADDRESS]
    assert "already a member" in message.body
    assert "/accounts/login/" in message.body
    assert "/accounts/password/reset/" in message.body


def test_a_person_with_a_live_invitation_is_told_it_is_waiting_and_nothing_is_stored(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _, token = invited(django_capture_on_commit_callbacks)
    django_mail.outbox.clear()
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/join/", INTEREST)
    assert snapshot() == before
    [message] = django_mail.outbox
    assert message.to == [ADDRESS]
    assert "invitation is waiting" in message.body
    assert f"/invitation/{token}/" in message.body


def nominate_answer(situation: str, capture: Any, client: Client) -> tuple[int, str, list[str]]:
    SITUATIONS[situation](capture)
    response = client.post("/nominate/", INTEREST)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    shown = [m.message for m in page.context["messages"]] if page.context else []
    return response.status_code, response.get("Location", ""), shown


def test_nominate_answers_the_same_whatever_the_address(
    django_capture_on_commit_callbacks: Any, client: Client, member: User
) -> None:
    client.force_login(member)
    answers = {}
    for situation in SITUATIONS:
        answers[situation] = nominate_answer(situation, django_capture_on_commit_callbacks, client)
        forget_the_address()
    assert answers["nobody"][0] == 302
    for situation, answer in answers.items():
        assert answer == answers["nobody"], situation
