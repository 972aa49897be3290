"""A record behind each event message, for the site-wide mail template test
(tests/network/test_mail.py renders every template with every variable required)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from events.models import Book, Booking, Event, Kind, Registration
from tests.factories import MemberFactory

Status = Registration.Status
Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]


def _event(**fields: Any) -> Event:
    starts_at = timezone.now() + timedelta(days=7)
    values: dict[str, Any] = {
        "title": "Leading through winter pressures",
        "description": "An evening for members across the region.",
        "format": "hybrid",
        "venue": "Leeds Civic Hall",
        "address": "Calverley Street, Leeds LS1 1UR",
        "accessibility": "Step-free access from the Portland Crescent entrance.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "capacity": 20,
        "status": Event.Status.PUBLISHED,
        "cancellation_message": "The speaker is unwell; we will find a new date.",
    }
    return Event.objects.create(**{**values, **fields})


def _place(place: str = Status.CONFIRMED, *, ended: bool = False, **event_fields: Any) -> Sample:
    def sample() -> tuple[dict[str, Any], dict[str, str]]:
        fields: dict[str, Any] = {}
        if place == Status.WAITING:
            fields["queue_number"] = 1
        if place == Status.OFFERED:
            fields["offer_expires_at"] = timezone.now() + timedelta(hours=24)
        if ended:
            event_fields["starts_at"] = timezone.now() - timedelta(hours=3)
            event_fields["ends_at"] = timezone.now() - timedelta(hours=1)
        registration = Registration.objects.create(
            event=_event(**event_fields),
            member=MemberFactory(name="Amara Okafor"),
            status=place,
            **fields,
        )
        return {"registration_id": registration.pk}, {}

    return sample


def _book() -> Book:
    member = MemberFactory(name="Sam Book")
    event = _event(kind=Kind.LIVING_LIBRARY)
    return Book.objects.create(event=event, member=member, title="Out at fifty", blurb="Ask me.")


def _booking() -> tuple[dict[str, Any], dict[str, str]]:
    book = _book()
    reader = MemberFactory(name="Amara Okafor")
    booking = Booking.objects.create(book=book, reader=reader, starts_at=book.event.starts_at)
    return {"booking_id": booking.pk}, {}


def _announcement() -> tuple[dict[str, Any], dict[str, str]]:
    return {"event_id": _event().pk, "user_id": MemberFactory(name="Amara Okafor").pk}, {}


EVENT_SAMPLES: dict[str, Sample] = {
    "events/confirmed": _place(),
    "events/promoted": _place(),
    "events/waiting": _place(Status.WAITING),
    "events/place_cancelled": _place(Status.CANCELLED),
    "events/offered": _place(Status.OFFERED),
    "events/offer_lapsed": _place(Status.OFFER_LAPSED),
    "events/changed": _place(),
    "events/cancelled": _place(status=Event.Status.CANCELLED),
    "events/reminder_day": _place(),
    "events/reminder_hour": _place(),
    "events/feedback_request": _place(ended=True),
    "events/announcement": _announcement,
    "events/book_withdrawn": _booking,
    "events/library_confirmed": lambda: ({"book_id": _book().pk}, {}),
    "events/book_event_cancelled": lambda: ({"book_id": _book().pk}, {}),
}
