"""Many members at once: seats are decided by the database, never by who read the count first.

Each test starts real threads, each with its own PostgreSQL connection, at a barrier, so their
transactions overlap as requests from many web processes would. A control runs the same
registrations with the event's lock taken out and a pause between counting the seats and taking
one: it overbooks, which shows these tests can see a race when there is one.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from events import library, services
from events.models import Book, Booking, Event, Refusal, Registration
from members.models import User
from network.errors import Refused
from network.models import NetworkSettings
from tests.events.support import living_library, published_event, set_network

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status
# PostgreSQL allows 100 connections by default, shared with whatever else runs on the machine:
# the 200 registrations arrive over this many connections, all opened at the same moment.
CONNECTIONS = 40


@pytest.fixture(autouse=True)
def seats_only(requires_postgres: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The messages these changes queue stay in the outbox for the sweep: sending them in each
    # thread would only slow the race down, and the outbox rows are checked elsewhere.
    monkeypatch.setattr("network.mail.enqueue", lambda ids: None)
    # A running site has its settings row; made here, the threads do not all race to make it.
    NetworkSettings.load()
    yield


def accounts(count: int, prefix: str) -> list[User]:
    """Members without profiles or passwords: hashing 200 passwords would take a minute."""
    return User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", name=f"{prefix.title()} {n}") for n in range(count)
    )


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and connection, all released together; a job's answer is
    what it returned or the Refused it raised."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    answers: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            answers[index] = job()
        except Refused as refusal:
            answers[index] = refusal.code
        except Exception as error:
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [answer for answer in answers if isinstance(answer, Exception)]
    assert not errors, errors
    return answers


def register_in_turn(event: Event, members: list[User]) -> list[Callable[[], list[str]]]:
    """The members spread over CONNECTIONS threads, each registering its share one by one."""

    def job(share: list[User]) -> Callable[[], list[str]]:
        return lambda: [
            services.register(event_id=event.pk, member=member).status for member in share
        ]

    return [job(members[start::CONNECTIONS]) for start in range(CONNECTIONS)]


def statuses(event: Event) -> Counter[str]:
    return Counter(Registration.objects.filter(event=event).values_list("status", flat=True))


def test_200_members_registering_at_once_for_50_seats_get_50_seats_and_a_fair_queue() -> None:
    event = published_event(capacity=50)
    members = accounts(200, "rush")

    at_once(register_in_turn(event, members))

    assert statuses(event) == {Status.CONFIRMED: 50, Status.WAITING: 150}
    registrations = Registration.objects.filter(event=event)
    assert registrations.values("member").distinct().count() == 200
    numbers = sorted(registrations.waiting().values_list("queue_number", flat=True))
    assert numbers == list(range(1, 151))
    event.refresh_from_db()
    assert event.last_queue_number == 150
    last = registrations.get(queue_number=150)
    assert services.waiting_place(last) == 150


def test_control_without_the_event_lock_the_same_registrations_overbook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Take the lock out (a plain read of the event) and pause between counting the seats and
    # taking one, as a slow request would: many count the same free seats and all take them.
    monkeypatch.setattr(services, "_lock", lambda event_id: Event.objects.get(pk=event_id))
    save = Registration.save

    def slow_save(self: Registration, *args: Any, **kwargs: Any) -> None:
        if self.status == Status.CONFIRMED:
            time.sleep(0.05)
        save(self, *args, **kwargs)

    monkeypatch.setattr(Registration, "save", slow_save)
    event = published_event(capacity=50)

    at_once(register_in_turn(event, accounts(200, "unlocked")))

    overbooked = statuses(event)[Status.CONFIRMED]
    assert overbooked > 50, f"no race seen: {overbooked} confirmed"


def full_event_with_two_waiting() -> tuple[Event, User, list[User]]:
    """One seat, held; two members waiting for it, first and second."""
    event = published_event(capacity=1, last_queue_number=2)
    holder, *waiting = accounts(3, f"event{event.pk}-")
    Registration.objects.create(event=event, member=holder, status=Status.CONFIRMED)
    for number, member in enumerate(waiting, start=1):
        Registration.objects.create(
            event=event, member=member, status=Status.WAITING, queue_number=number
        )
    return event, holder, waiting


@pytest.mark.parametrize("round_", range(5))
def test_the_last_seat_freed_while_both_waiters_confirm_goes_to_the_first_alone(
    round_: int,
) -> None:
    set_network(waiting_list_offer_hours=24)
    event, holder, (first, second) = full_event_with_two_waiting()
    [board] = accounts(1, f"board{round_}-")

    answers = at_once(
        [
            lambda: services.cancel_registration(event_id=event.pk, member=holder),
            lambda: services.confirm_offer(event_id=event.pk, member=first),
            lambda: services.confirm_offer(event_id=event.pk, member=second),
            lambda: services.change_capacity(event_id=event.pk, capacity=1, by=board),
        ]
    )

    places = {r.member_id: r for r in Registration.objects.filter(event=event)}
    assert Registration.objects.filter(event=event).holding_seats().count() == 1
    assert places[holder.pk].status == Status.CANCELLED
    # The first in line holds the seat: confirmed if their answer came after the seat was
    # freed, still offered if it came before (and was refused as premature).
    assert places[first.pk].status in (Status.CONFIRMED, Status.OFFERED)
    if places[first.pk].status == Status.OFFERED:
        assert answers[1] == Refusal.NO_OFFER
    assert answers[2] == Refusal.NO_OFFER
    assert places[second.pk].status == Status.WAITING
    assert services.waiting_place(places[second.pk]) == 1


def test_20_members_cancelling_and_registering_at_once_never_overbook() -> None:
    set_network(waiting_list_offer_hours=24)
    event = published_event(capacity=10, last_queue_number=5)
    holders, waiting, newcomers = accounts(10, "holder"), accounts(5, "queue"), accounts(10, "new")
    Registration.objects.bulk_create(
        [Registration(event=event, member=m, status=Status.CONFIRMED) for m in holders]
        + [
            Registration(event=event, member=m, status=Status.WAITING, queue_number=n)
            for n, m in enumerate(waiting, start=1)
        ]
    )
    seats = Registration.objects.filter(event=event).holding_seats()
    counted: list[int] = []
    done = threading.Event()

    def watch() -> None:
        try:
            while not done.is_set():
                counted.append(seats.count())
                time.sleep(0.002)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        at_once(
            [
                (lambda m=m: services.cancel_registration(event_id=event.pk, member=m))
                for m in holders
            ]
            + [(lambda m=m: services.register(event_id=event.pk, member=m)) for m in newcomers]
        )
    finally:
        done.set()
        watcher.join()

    assert counted and max(counted) <= 10
    # No seat is left free while anyone waits, and those who waited first hold seats first.
    assert seats.count() == 10
    assert set(seats.values_list("member", flat=True)) >= {m.pk for m in waiting}
    queue = Registration.objects.filter(event=event).waiting()
    assert queue.count() == 5
    numbers = list(queue.values_list("queue_number", flat=True))
    assert len(set(numbers)) == 5 and min(numbers) > 5


def test_ten_readers_booking_one_conversation_at_once_fill_its_three_places() -> None:
    event = living_library(readers_per_slot=3)
    author, *readers = accounts(11, "reader")
    book = Book.objects.create(event=event, member=author, title="Out at work", blurb="Ask.")
    Registration.objects.bulk_create(
        Registration(event=event, member=r, status=Status.CONFIRMED) for r in readers
    )
    starts_at = library.conversation_times(event)[0]

    answers = at_once(
        [
            (lambda r=r: library.book_conversation(book_id=book.pk, reader=r, starts_at=starts_at))
            for r in readers
        ]
    )

    assert Booking.objects.booked().filter(book=book, starts_at=starts_at).count() == 3
    assert Counter(a for a in answers if isinstance(a, Refusal)) == {Refusal.SLOT_FULL: 7}
