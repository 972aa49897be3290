"""Two submissions for one address at the same moment: the database decides, both get an answer.

Each request waits at a barrier just before it inserts its application, after every check it
makes, so both are inside the service together: the window in which "check, then create" let
both through and the second answered 500. The patched save also counts the inserts PostgreSQL
refused; exactly one refusal is the control that shows the race really happened in this run.
"""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test import Client

from invitations.models import Application
from members.models import User
from tests.factories import MemberFactory
from tests.invitations.support import INTEREST

pytestmark = pytest.mark.django_db(transaction=True)


class Race:
    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)
        self.refused_inserts = 0
        self.lock = threading.Lock()


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch, requires_postgres: None) -> Iterator[Race]:
    race = Race()
    original = Application.save

    def save(self: Application, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.status != "duplicate":
            race.barrier.wait()
            try:
                original(self, *args, **kwargs)
            except IntegrityError:
                with race.lock:
                    race.refused_inserts += 1
                raise
        else:
            original(self, *args, **kwargs)

    monkeypatch.setattr(Application, "save", save)
    yield race


def at_once(*requests: Callable[[], int]) -> list[int]:
    answers: list[int] = []

    def run(request: Callable[[], int]) -> None:
        try:
            answers.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


def test_a_double_submitted_interest_form_answers_both_and_keeps_one(race: Race) -> None:
    pages: list[str] = []

    def submit() -> int:
        response = Client(raise_request_exception=False).post("/join/", INTEREST)
        pages.append(response.content.decode())
        return response.status_code

    assert at_once(submit, submit) == [200, 200]
    assert all("We have your expression of interest" in page for page in pages)
    assert race.refused_inserts == 1
    assert Application.objects.count() == 1


def test_two_members_nominating_one_person_at_once_are_both_answered_and_kept(
    race: Race,
) -> None:
    members = [MemberFactory(), MemberFactory()]

    def nominate_as(member: User) -> Callable[[], int]:
        def nominate() -> int:
            client = Client(raise_request_exception=False)
            client.force_login(member)
            return client.post("/nominate/", INTEREST).status_code

        return nominate

    assert at_once(*(nominate_as(m) for m in members)) == [302, 302]
    assert race.refused_inserts == 1
    statuses = sorted(Application.objects.values_list("status", flat=True))
    assert statuses == [Application.Status.DUPLICATE, Application.Status.PENDING]
