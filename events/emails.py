"""What the event mail shows, read from the records when each message is sent.

The outbox keeps ids only; a builder loads the rows at send time, so a message says what is true
when it leaves. A registration or event that is gone (or, for a reminder, a place no longer
confirmed) raises NotNeeded: the outbox keeps the message as not needed, never sent and not
a failure for the board to chase; better that than a reminder for a place someone gave up.
Builders hand the templates plain values, never the rows, so no template can reach a member's
access needs or anyone else's name.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.humanize.templatetags.humanize import ordinal
from django.urls import reverse

from events.models import Book, Booking, Event, Registration
from events.services import waiting_place
from members.models import User
from network.links import absolute_url
from network.mail import NotNeeded, builds_context
from network.models import AuditAction, AuditEvent

LONDON = ZoneInfo("Europe/London")
Status = Registration.Status

# The parts of an event a change notice names, in the words a member reads.
CHANGE_WORDS = {
    "starts_at": "the start time",
    "ends_at": "the end time",
    "format": "whether it is online or in person",
    "venue": "the venue",
    "address": "the address",
    "region": "the region",
    "join_link": "the link to join online",
}


def in_words(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def london_day(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%A %-d %B %Y")


def london_time(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-I:%M%p").lower().replace(":00", "")


def when(event: Event) -> str:
    """'Tuesday 3 June 2025, 6pm to 7:30pm (UK time)', in the time the UK keeps on that day."""
    start, end = event.starts_at, event.ends_at
    if london_day(start) == london_day(end):
        return f"{london_day(start)}, {london_time(start)} to {london_time(end)} (UK time)"
    return (
        f"{london_day(start)}, {london_time(start)} to "
        f"{london_day(end)}, {london_time(end)} (UK time)"
    )


def where(event: Event) -> str:
    place = ", ".join(part for part in (event.venue, " ".join(event.address.split())) if part)
    if event.is_online and place:
        return f"{place}, or online"
    return place or "Online"


def event_context(event: Event) -> dict[str, Any]:
    return {
        "title": event.title,
        "kind": event.get_kind_display(),
        "when": when(event),
        "where": where(event),
        "accessibility": event.accessibility,
        "is_online": event.is_online,
        "is_in_person": event.is_in_person,
        "is_living_library": event.is_living_library,
        "event_url": absolute_url(reverse("events:detail", args=[event.pk])),
        "my_events_url": absolute_url(reverse("events:mine")),
    }


def _registration(context: dict[str, Any], **still: Any) -> Registration:
    """The registration a message is about, while it is still as `still` says."""
    found = Registration.objects.select_related("event", "member").filter(
        pk=context["registration_id"], **still
    )
    registration = found.first()
    if registration is None:
        raise NotNeeded("the place or the event has changed since the message was queued")
    return registration


def registration_context(registration: Registration) -> dict[str, Any]:
    event = registration.event
    confirmed = registration.status == Status.CONFIRMED and event.status == Event.Status.PUBLISHED
    data = {
        **event_context(event),
        "name": registration.member.name or "member",
        "confirmed": confirmed,
        # The join link goes to people with a seat only, as on the event page.
        "join_link": event.join_link if confirmed and event.is_online else "",
    }
    if registration.status == Status.WAITING:
        data["place"] = ordinal(waiting_place(registration))
    return data


@builds_context("events/confirmed")
@builds_context("events/promoted")
@builds_context("events/waiting")
@builds_context("events/place_cancelled")
@builds_context("events/offer_lapsed")
def place_context(context: dict[str, Any]) -> dict[str, Any]:
    return registration_context(_registration(context))


@builds_context("events/offered")
def offer_context(context: dict[str, Any]) -> dict[str, Any]:
    # An offer already taken up or passed on is not asked about again.
    registration = _registration(context, status=Status.OFFERED)
    # The database's offer_has_expiry constraint: an offer always has its deadline.
    expires = registration.offer_expires_at or registration.event.starts_at
    return {
        **registration_context(registration),
        "expires": f"{london_time(expires)} on {london_day(expires)} (UK time)",
    }


@builds_context("events/changed")
def change_context(context: dict[str, Any]) -> dict[str, Any]:
    registration = _registration(context)
    data = registration_context(registration)
    # The board's latest change of time or place, from the audit log: which parts moved.
    fields = (
        AuditEvent.objects.filter(
            action=AuditAction.EVENT_MOVED,
            target_type=Event._meta.label,
            target_id=str(registration.event_id),
        )
        .order_by("-created_at", "-pk")
        .values_list("data", flat=True)
        .first()
        or {}
    ).get("fields", [])
    changes = [words for field, words in CHANGE_WORDS.items() if field in fields]
    if not data["confirmed"] and "join_link" in fields:
        changes.remove(CHANGE_WORDS["join_link"])
    data["changes"] = in_words(changes)
    return data


@builds_context("events/cancelled")
def cancellation_context(context: dict[str, Any]) -> dict[str, Any]:
    registration = _registration(context)
    return {
        **registration_context(registration),
        "message": registration.event.cancellation_message,
    }


@builds_context("events/reminder_day")
@builds_context("events/reminder_hour")
def reminder_context(context: dict[str, Any]) -> dict[str, Any]:
    # Only a place still confirmed at an event still on gets a reminder.
    registration = _registration(
        context, status=Status.CONFIRMED, event__status=Event.Status.PUBLISHED
    )
    return registration_context(registration)


@builds_context("events/feedback_request")
def feedback_context(context: dict[str, Any]) -> dict[str, Any]:
    registration = _registration(
        context,
        status=Status.CONFIRMED,
        event__status__in=[Event.Status.PUBLISHED, Event.Status.HELD],
    )
    return {
        **registration_context(registration),
        "feedback_url": absolute_url(reverse("events:feedback", args=[registration.event_id])),
    }


@builds_context("events/announcement")
def announcement_context(context: dict[str, Any]) -> dict[str, Any]:
    # An event cancelled or withdrawn before its announcement went out is not announced.
    event = Event.objects.filter(pk=context["event_id"], status=Event.Status.PUBLISHED).first()
    if event is None:
        raise NotNeeded("the event was cancelled or withdrawn before its announcement went out")
    member = User.objects.get(pk=context["user_id"])
    return {
        **event_context(event),
        "name": member.name or "member",
        "description": event.description,
        "preferences_url": absolute_url(reverse("members:email_preferences")),
    }


@builds_context("events/book_withdrawn")
def book_withdrawn_context(context: dict[str, Any]) -> dict[str, Any]:
    booking = Booking.objects.select_related("book__event", "reader").get(pk=context["booking_id"])
    event = booking.book.event
    return {
        **event_context(event),
        "name": booking.reader.name or "member",
        "book_title": booking.book.title,
        "conversation_time": f"{london_time(booking.starts_at)} on {london_day(booking.starts_at)}",
    }


@builds_context("events/library_confirmed")
@builds_context("events/book_event_cancelled")
def book_context(context: dict[str, Any]) -> dict[str, Any]:
    book = Book.objects.select_related("event", "member").get(pk=context["book_id"])
    return {
        **event_context(book.event),
        "name": book.member.name or "member",
        "book_title": book.title,
        "message": book.event.cancellation_message,
    }
