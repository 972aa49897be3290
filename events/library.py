"""Living libraries: members who offer to talk about their lived experience are "books", and
readers with a place at the event book short conversations with them.

A conversation is one book at one time; at most `event.readers_per_slot` readers share it. Each
booking locks the book's row first, so readers booking the same book at once take turns and the
count they read is the count they leave. A book may withdraw at any time without a reason; its
readers are told, politely. Books learn who booked them only once the board has confirmed the
session (`Booking.objects.shown_to_book`).
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Book, Booking, Event, Refusal, Registration
from members.models import Profile
from network.errors import Refused
from network.mail import Recipient, queue_emails
from network.models import AuditAction, NetworkSettings, record


def conversation_times(event: Event) -> list[datetime]:
    """When each conversation starts: from the event's start, one every `slot_minutes`, for as
    long as a whole conversation still ends by the event's end."""
    if not event.slot_minutes:
        return []
    length = timedelta(minutes=event.slot_minutes)
    times: list[datetime] = []
    starts = event.starts_at
    while starts + length <= event.ends_at:
        times.append(starts)
        starts += length
    return times


def _check_library_open(event: Event, *, now: datetime) -> None:
    if not event.is_living_library:
        raise Refused(Refusal.NOT_LIVING_LIBRARY)
    if event.status != Event.Status.PUBLISHED:
        raise Refused(Refusal.NOT_OPEN)
    if event.has_ended(now=now):
        raise Refused(Refusal.HAS_ENDED)


@transaction.atomic
def offer_book(
    *, event_id: int, member: Any, title: str, blurb: str, now: datetime | None = None
) -> Book:
    """The member agrees to read as a book at this living library, with a title and blurb of
    their own. Offering again after withdrawing takes up the same book again."""
    now = now or timezone.now()
    event = Event.objects.get(pk=event_id)
    _check_library_open(event, now=now)
    profile = Profile.objects.filter(user=member).first()
    if profile is None or not profile.living_library_topics.strip():
        raise Refused(Refusal.NOT_A_BOOK)
    if not Event.objects.filter(pk=event.pk).open_to(profile).exists():
        raise Refused(Refusal.NOT_IN_AUDIENCE)
    title, blurb = title.strip(), blurb.strip()
    if not title or not blurb or len(title) > 120 or len(blurb) > 1000:
        raise Refused(Refusal.BOOK_DETAILS_NEEDED)
    book = Book.objects.select_for_update().filter(event=event, member=member).first()
    if book is not None and book.status == Book.Status.READING:
        raise Refused(Refusal.ALREADY_A_BOOK)
    if book is None:
        try:
            # Two offers at once from one member: the unique constraint keeps one book.
            with transaction.atomic():
                return Book.objects.create(event=event, member=member, title=title, blurb=blurb)
        except IntegrityError:
            raise Refused(Refusal.ALREADY_A_BOOK) from None
    # A book that comes back is a new offer: the board confirms it afresh.
    book.title, book.blurb, book.status, book.confirmed_at = title, blurb, Book.Status.READING, None
    book.save(update_fields=["title", "blurb", "status", "confirmed_at"])
    return book


@transaction.atomic
def withdraw_book(*, book_id: int, member: Any, now: datetime | None = None) -> Book:
    """The book steps back, with no reason asked. Every reader booked with them is told, and
    their bookings are cancelled so they can choose another book."""
    now = now or timezone.now()
    book = (
        Book.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(pk=book_id, member=member)
        .first()
    )
    if book is None:
        raise Refused(Refusal.NOT_YOUR_BOOK)
    if book.status == Book.Status.WITHDRAWN:
        raise Refused(Refusal.BOOK_WITHDRAWN)
    if book.event.has_ended(now=now):
        raise Refused(Refusal.HAS_ENDED)
    book.status = Book.Status.WITHDRAWN
    book.save(update_fields=["status"])
    bookings = list(book.bookings.booked().select_related("reader"))
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(status=Booking.Status.CANCELLED)
    queue_emails(
        "events/book_withdrawn",
        [Recipient(b.reader.email, b.reader.pk, {"booking_id": b.pk}) for b in bookings],
    )
    return book


@transaction.atomic
def book_conversation(
    *, book_id: int, reader: Any, starts_at: datetime, now: datetime | None = None
) -> Booking:
    """Book the reader into the book's conversation starting at `starts_at`, if it has room."""
    now = now or timezone.now()
    # The book's lock makes readers of one book take turns: at most `readers_per_slot` each time.
    book = Book.objects.select_for_update(of=("self",)).select_related("event").get(pk=book_id)
    event = book.event
    if book.status != Book.Status.READING:
        raise Refused(Refusal.BOOK_WITHDRAWN)
    if book.member_id == reader.pk:
        raise Refused(Refusal.OWN_BOOK)
    if starts_at not in conversation_times(event):
        raise Refused(Refusal.NO_SUCH_SLOT)
    if event.status != Event.Status.PUBLISHED:
        raise Refused(Refusal.NOT_OPEN)
    # The reader's own place is locked too, so two bookings of theirs at once take turns and
    # cannot both take the same time with different books.
    place = (
        Registration.objects.select_for_update()
        .filter(event=event, member=reader, status=Registration.Status.CONFIRMED)
        .first()
    )
    if place is None:
        raise Refused(Refusal.NEEDS_PLACE)
    network = NetworkSettings.load()
    if now >= event.closes_at(closing_hours=network.registration_closes_hours):
        raise Refused(Refusal.CLOSED)
    mine = Booking.objects.filter(book__event=event, reader=reader, starts_at=starts_at)
    booking = mine.filter(book=book).first()
    if booking is not None and booking.status == Booking.Status.BOOKED:
        raise Refused(Refusal.ALREADY_BOOKED)
    if mine.booked().exists():
        raise Refused(Refusal.TIME_TAKEN)
    if book.bookings.booked().filter(starts_at=starts_at).count() >= event.readers_per_slot:
        raise Refused(Refusal.SLOT_FULL)
    if booking is None:
        return Booking.objects.create(book=book, reader=reader, starts_at=starts_at)
    booking.status, booking.created_at = Booking.Status.BOOKED, now
    booking.save(update_fields=["status", "created_at"])
    return booking


@transaction.atomic
def cancel_booking(*, booking_id: int, reader: Any, now: datetime | None = None) -> Booking:
    """The reader gives up their own place in a conversation, any time before the event ends."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("book__event")
        .filter(pk=booking_id, reader=reader, status=Booking.Status.BOOKED)
        .first()
    )
    if booking is None:
        raise Refused(Refusal.NOT_YOUR_BOOKING)
    if booking.book.event.has_ended(now=now):
        raise Refused(Refusal.HAS_ENDED)
    booking.status = Booking.Status.CANCELLED
    booking.save(update_fields=["status"])
    return booking


@transaction.atomic
def confirm_library(*, event_id: int, by: Any, now: datetime | None = None) -> int:
    """The board confirms the session: each book still reading, not yet confirmed, is told and
    may see who booked them from now on. Returns how many books this confirmed."""
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event_id)
    _check_library_open(event, now=now)
    books = list(
        event.books.reading()
        .filter(confirmed_at=None)
        .select_for_update(of=("self",))
        .select_related("member")
    )
    Book.objects.filter(pk__in=[b.pk for b in books]).update(confirmed_at=now)
    record(
        actor=by,
        action=AuditAction.LIVING_LIBRARY_CONFIRMED,
        target=event,
        data={"books": sorted(b.pk for b in books)},
    )
    queue_emails(
        "events/library_confirmed",
        [Recipient(b.member.email, b.member.pk, {"book_id": b.pk}) for b in books],
    )
    return len(books)
