"""Living libraries: books offer themselves, readers book short conversations, a book may
withdraw at any time, and a book learns who booked them only once the board confirms."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events import library, services
from events.models import Book, Booking, Event, Kind, Refusal, Registration
from members.models import Region, User
from network.errors import Refused
from network.mail import render_email
from network.models import AuditAction, AuditEvent
from tests.events.support import (
    a_book,
    living_library,
    mails,
    member_with_topics,
    seated,
    snapshot,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def refused_and_unchanged(attempt: Callable[[], Any], code: Refusal) -> None:
    before = snapshot()
    with pytest.raises(Refused) as refusal:
        attempt()
    assert refusal.value.code == code
    assert refusal.value.message == code.label
    assert snapshot() == before


@pytest.fixture
def event() -> Event:
    return living_library(readers_per_slot=3, slot_minutes=25)


@pytest.fixture
def book(event: Event) -> Book:
    return a_book(event)


@pytest.fixture
def reader(event: Event) -> User:
    return seated(event, MemberFactory(name="Sam Reader"))


def first_time(event: Event) -> datetime:
    return library.conversation_times(event)[0]


def booking_refused(
    book: Book, reader: User, code: Refusal, *, starts_at: datetime | None = None, **more: Any
) -> None:
    when = starts_at or first_time(book.event)
    refused_and_unchanged(
        lambda: library.book_conversation(book_id=book.pk, reader=reader, starts_at=when, **more),
        code,
    )


# ---------------------------------------------------------------------------------------------
# Conversation times


def test_conversations_start_every_slot_and_each_ends_by_the_end_of_the_event() -> None:
    event = Event(
        starts_at=datetime(2030, 6, 1, 13, 0, tzinfo=UTC),
        ends_at=datetime(2030, 6, 1, 15, 0, tzinfo=UTC),
        slot_minutes=25,
    )
    assert [t.strftime("%H:%M") for t in library.conversation_times(event)] == [
        "13:00",
        "13:25",
        "13:50",
        "14:15",
    ]
    event.slot_minutes = 30
    assert library.conversation_times(event)[-1].strftime("%H:%M") == "14:30"
    event.slot_minutes = 121
    assert library.conversation_times(event) == []


def test_conversation_times_keep_their_length_across_the_change_to_summer_time() -> None:
    # The clocks go forward at 01:00 UTC on 30 March 2031: conversations still last 30 minutes.
    event = Event(
        starts_at=datetime(2031, 3, 30, 0, 30, tzinfo=UTC),
        ends_at=datetime(2031, 3, 30, 1, 30, tzinfo=UTC),
        slot_minutes=30,
    )
    times = library.conversation_times(event)
    assert times[1] - times[0] == timedelta(minutes=30)
    assert len(times) == 2


# ---------------------------------------------------------------------------------------------
# Offering a book


def test_a_member_with_living_library_topics_offers_a_book_with_their_own_words(
    event: Event,
) -> None:
    member = member_with_topics()
    book = library.offer_book(
        event_id=event.pk, member=member, title="  Trans and a ward sister  ", blurb=" Ask. \n"
    )
    book.refresh_from_db()
    assert (book.title, book.blurb, book.status) == ("Trans and a ward sister", "Ask.", "reading")
    assert book.confirmed_at is None


@pytest.mark.parametrize(
    ("event_fields", "code"),
    [
        ({"kind": Kind.NETWORKING}, Refusal.NOT_LIVING_LIBRARY),
        ({"status": Event.Status.DRAFT}, Refusal.NOT_OPEN),
        ({"status": Event.Status.CANCELLED}, Refusal.NOT_OPEN),
        (
            {"starts_at": datetime(2020, 1, 1, 18, tzinfo=UTC)},
            Refusal.HAS_ENDED,
        ),
        ({"audience_region": Region.LONDON}, Refusal.NOT_IN_AUDIENCE),
    ],
)
def test_offering_a_book_at_an_event_that_cannot_take_one_changes_nothing(
    event_fields: dict[str, Any], code: Refusal
) -> None:
    event = living_library(**event_fields)
    member = member_with_topics()
    refused_and_unchanged(
        lambda: library.offer_book(event_id=event.pk, member=member, title="T", blurb="B"), code
    )


def test_a_member_without_living_library_topics_cannot_be_a_book(event: Event) -> None:
    member = MemberFactory()
    refused_and_unchanged(
        lambda: library.offer_book(event_id=event.pk, member=member, title="T", blurb="B"),
        Refusal.NOT_A_BOOK,
    )
    member.profile.living_library_topics = "   "
    member.profile.save()
    refused_and_unchanged(
        lambda: library.offer_book(event_id=event.pk, member=member, title="T", blurb="B"),
        Refusal.NOT_A_BOOK,
    )


@pytest.mark.parametrize(
    ("title", "blurb"),
    [("", "A blurb"), ("   ", "A blurb"), ("A title", ""), ("A title", " \n "), ("x" * 121, "B")],
)
def test_a_book_needs_a_title_and_a_blurb_that_fit(event: Event, title: str, blurb: str) -> None:
    member = member_with_topics()
    refused_and_unchanged(
        lambda: library.offer_book(event_id=event.pk, member=member, title=title, blurb=blurb),
        Refusal.BOOK_DETAILS_NEEDED,
    )


def test_a_member_is_one_book_per_living_library(event: Event) -> None:
    member = member_with_topics()
    library.offer_book(event_id=event.pk, member=member, title="First", blurb="B")
    refused_and_unchanged(
        lambda: library.offer_book(event_id=event.pk, member=member, title="Second", blurb="B"),
        Refusal.ALREADY_A_BOOK,
    )


def test_a_book_that_withdrew_can_offer_again_and_the_board_confirms_it_afresh(
    event: Event, book: Book
) -> None:
    Book.objects.filter(pk=book.pk).update(confirmed_at=datetime(2030, 1, 1, tzinfo=UTC))
    library.withdraw_book(book_id=book.pk, member=book.member)
    again = library.offer_book(
        event_id=event.pk, member=book.member, title="Back again", blurb="New words"
    )
    assert again.pk == book.pk
    assert Book.objects.count() == 1
    again.refresh_from_db()
    assert (again.status, again.title, again.confirmed_at) == ("reading", "Back again", None)


# ---------------------------------------------------------------------------------------------
# Booking a conversation


def test_a_reader_with_a_place_books_a_conversation(event: Event, book: Book, reader: User) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    assert Booking.objects.get() == booking
    assert (booking.reader, booking.book, booking.status) == (reader, book, "booked")


@pytest.mark.parametrize(
    "status", [None, Registration.Status.WAITING, Registration.Status.CANCELLED]
)
def test_only_a_member_with_a_confirmed_place_can_book(
    event: Event, book: Book, status: str | None
) -> None:
    member = MemberFactory()
    if status:
        Registration.objects.create(event=event, member=member, status=status, queue_number=1)
    booking_refused(book, member, Refusal.NEEDS_PLACE)


def test_a_book_cannot_book_a_conversation_with_themself(event: Event, book: Book) -> None:
    seated(event, book.member)
    booking_refused(book, book.member, Refusal.OWN_BOOK)


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=10), timedelta(minutes=-25), timedelta(minutes=100)]
)
def test_a_time_that_is_not_a_conversation_is_refused(
    event: Event, book: Book, reader: User, offset: timedelta
) -> None:
    # 25-minute conversations in two hours: 0, 25, 50 and 75 minutes in; 100 would end late.
    booking_refused(book, reader, Refusal.NO_SUCH_SLOT, starts_at=event.starts_at + offset)


def test_a_withdrawn_book_or_a_cancelled_library_takes_no_bookings(
    event: Event, book: Book, reader: User
) -> None:
    Book.objects.filter(pk=book.pk).update(status=Book.Status.WITHDRAWN)
    booking_refused(book, reader, Refusal.BOOK_WITHDRAWN)
    Book.objects.filter(pk=book.pk).update(status=Book.Status.READING)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    booking_refused(book, reader, Refusal.NOT_OPEN)


def test_booking_the_same_conversation_twice_is_refused(
    event: Event, book: Book, reader: User
) -> None:
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    booking_refused(book, reader, Refusal.ALREADY_BOOKED)


def test_a_conversation_takes_at_most_its_readers(event: Event, book: Book) -> None:
    for _ in range(3):
        library.book_conversation(
            book_id=book.pk, reader=seated(event), starts_at=first_time(event)
        )
    fourth = seated(event)
    booking_refused(book, fourth, Refusal.SLOT_FULL)
    later = library.conversation_times(event)[1]
    assert library.book_conversation(book_id=book.pk, reader=fourth, starts_at=later)


def test_a_reader_cannot_be_in_two_conversations_at_once(
    event: Event, book: Book, reader: User
) -> None:
    other = a_book(event, title="A chief executive and a dad")
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    booking_refused(other, reader, Refusal.TIME_TAKEN)
    later = library.conversation_times(event)[1]
    assert library.book_conversation(book_id=other.pk, reader=reader, starts_at=later)


def test_booking_after_registration_closes_is_refused_with_the_message(
    event: Event, book: Book, reader: User
) -> None:
    # Changes close two hours before the start by default.
    booking_refused(book, reader, Refusal.CLOSED, now=event.starts_at - timedelta(hours=1))


def test_booking_again_after_cancelling_takes_up_the_same_booking(
    event: Event, book: Book, reader: User
) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    library.cancel_booking(booking_id=booking.pk, reader=reader)
    again = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    assert again.pk == booking.pk
    assert list(Booking.objects.values_list("status", flat=True)) == ["booked"]


# ---------------------------------------------------------------------------------------------
# Cancelling a booking


def test_a_reader_cancels_their_own_booking_and_frees_the_place(
    event: Event, book: Book, reader: User
) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    library.cancel_booking(booking_id=booking.pk, reader=reader)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Booking.objects.booked().count() == 0


def test_nobody_cancels_someone_elses_booking_and_nothing_cancels_twice(
    event: Event, book: Book, reader: User
) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    for other in (seated(event), book.member):
        refused_and_unchanged(
            lambda other=other: library.cancel_booking(booking_id=booking.pk, reader=other),
            Refusal.NOT_YOUR_BOOKING,
        )
    library.cancel_booking(booking_id=booking.pk, reader=reader)
    refused_and_unchanged(
        lambda: library.cancel_booking(booking_id=booking.pk, reader=reader),
        Refusal.NOT_YOUR_BOOKING,
    )


# ---------------------------------------------------------------------------------------------
# Withdrawing a book


def test_a_book_withdraws_without_a_reason_and_each_booked_reader_is_told(
    event: Event, book: Book
) -> None:
    readers = [seated(event) for _ in range(2)]
    bookings = [
        library.book_conversation(book_id=book.pk, reader=r, starts_at=t)
        for r, t in zip(readers, library.conversation_times(event), strict=False)
    ]
    gone = seated(event)
    cancelled = library.book_conversation(
        book_id=book.pk, reader=gone, starts_at=library.conversation_times(event)[2]
    )
    library.cancel_booking(booking_id=cancelled.pk, reader=gone)

    library.withdraw_book(book_id=book.pk, member=book.member)

    book.refresh_from_db()
    assert book.status == Book.Status.WITHDRAWN
    assert Booking.objects.booked().count() == 0
    told = mails("events/book_withdrawn")
    assert sorted((m.to_email, m.context["booking_id"]) for m in told) == sorted(
        (r.email, b.pk) for r, b in zip(readers, bookings, strict=True)
    )


def test_only_the_book_themself_can_withdraw(event: Event, book: Book, reader: User) -> None:
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    for other in (reader, member_with_topics()):
        refused_and_unchanged(
            lambda other=other: library.withdraw_book(book_id=book.pk, member=other),
            Refusal.NOT_YOUR_BOOK,
        )


def test_withdrawing_twice_changes_nothing_the_second_time(event: Event, book: Book) -> None:
    library.withdraw_book(book_id=book.pk, member=book.member)
    refused_and_unchanged(
        lambda: library.withdraw_book(book_id=book.pk, member=book.member),
        Refusal.BOOK_WITHDRAWN,
    )


# ---------------------------------------------------------------------------------------------
# The board confirms the session; who sees which bookings


def test_the_board_confirms_the_reading_books_and_each_is_told(
    event: Event, board_member: User
) -> None:
    reading = [a_book(event), a_book(event)]
    withdrawn = a_book(event, status=Book.Status.WITHDRAWN)
    already = a_book(event, confirmed_at=datetime(2030, 1, 1, tzinfo=UTC))

    assert library.confirm_library(event_id=event.pk, by=board_member) == 2

    confirmed = set(Book.objects.exclude(confirmed_at=None).values_list("pk", flat=True))
    assert confirmed == {reading[0].pk, reading[1].pk, already.pk}
    assert Book.objects.get(pk=withdrawn.pk).confirmed_at is None
    assert sorted(m.context["book_id"] for m in mails("events/library_confirmed")) == sorted(
        b.pk for b in reading
    )
    audit = AuditEvent.objects.get(action=AuditAction.LIVING_LIBRARY_CONFIRMED)
    assert (audit.actor, audit.target_id) == (board_member, str(event.pk))
    # Confirming again tells nobody twice.
    assert library.confirm_library(event_id=event.pk, by=board_member) == 0
    assert len(mails("events/library_confirmed")) == 2


def test_only_a_living_library_can_be_confirmed(board_member: User) -> None:
    event = living_library(kind=Kind.WORKSHOP)
    a_book(event)
    refused_and_unchanged(
        lambda: library.confirm_library(event_id=event.pk, by=board_member),
        Refusal.NOT_LIVING_LIBRARY,
    )


def test_readers_see_only_their_own_bookings(event: Event, book: Book, reader: User) -> None:
    other = seated(event)
    mine = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    library.book_conversation(book_id=book.pk, reader=other, starts_at=first_time(event))
    assert list(Booking.objects.of_reader(reader)) == [mine]
    library.cancel_booking(booking_id=mine.pk, reader=reader)
    assert list(Booking.objects.of_reader(reader)) == []


def test_a_book_sees_who_booked_only_once_the_board_has_confirmed(
    event: Event, book: Book, reader: User, board_member: User
) -> None:
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    assert list(Booking.objects.shown_to_book(book)) == []
    # Before confirmation the book learns how full each conversation is, never who is coming.
    assert Booking.objects.readers_by_time(book) == {first_time(event): 1}

    library.confirm_library(event_id=event.pk, by=board_member)
    book.refresh_from_db()
    assert [b.reader.name for b in Booking.objects.shown_to_book(book)] == ["Sam Reader"]

    library.withdraw_book(book_id=book.pk, member=book.member)
    book.refresh_from_db()
    assert list(Booking.objects.shown_to_book(book)) == []


# ---------------------------------------------------------------------------------------------
# Losing a place at the event


def test_cancelling_a_living_library_tells_its_books_and_ends_its_conversations(
    event: Event, book: Book, reader: User, board_member: User
) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    services.cancel_event(event_id=event.pk, by=board_member, message="The venue has flooded.")
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    [told] = mails("events/book_event_cancelled")
    assert told.to_email == book.member.email
    message = render_email(told)
    assert "The venue has flooded." in message.body
    assert reader.name not in message.body


def test_a_reader_who_cancels_their_place_gives_up_their_conversations(
    event: Event, book: Book, reader: User
) -> None:
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    services.cancel_registration(event_id=event.pk, member=reader)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    assert Booking.objects.readers_by_time(book) == {}


def test_a_member_removed_from_events_loses_their_bookings_and_their_book(
    event: Event, book: Book, reader: User
) -> None:
    seated(event, book.member)
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=first_time(event))
    other_book = a_book(event, title="A midwife from Lagos")
    theirs = library.book_conversation(
        book_id=other_book.pk, reader=book.member, starts_at=first_time(event)
    )

    services.remove_member_from_events(member=book.member)

    book.refresh_from_db()
    assert book.status == Book.Status.WITHDRAWN
    assert Booking.objects.get(pk=theirs.pk).status == Booking.Status.CANCELLED
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    assert [m.context for m in mails("events/book_withdrawn")] == [{"booking_id": booking.pk}]


def test_a_book_at_a_past_library_stays_as_it_was_when_its_member_is_removed(
    book: Book,
) -> None:
    past = living_library(starts_at=datetime(2020, 5, 1, 18, tzinfo=UTC))
    old = a_book(past, member=book.member)
    services.remove_member_from_events(member=book.member)
    assert Book.objects.get(pk=old.pk).status == Book.Status.READING
    assert Book.objects.get(pk=book.pk).status == Book.Status.WITHDRAWN
