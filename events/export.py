"""What events hold about a member, for "download my data", and what goes when they leave."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from events.models import Book, Booking, CalendarFeed, Feedback, Registration
from events.services import remove_member_from_events


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def events_section(user: Any) -> dict[str, Any]:
    """The member's own places, feedback, books and bookings: never another member's name, and
    of a book they booked, only the title its reader saw."""
    return {
        "registrations": [
            {
                "event": r.event.title,
                "event_starts_at": _iso(r.event.starts_at),
                "status": r.status,
                "attendance": r.attendance,
                "no_show_cleared_reason": r.no_show_cleared_reason,
                "access_needs": r.access_needs,
                "registered_at": _iso(r.created_at),
            }
            for r in Registration.objects.filter(member=user).select_related("event")
        ],
        "feedback": [
            {
                "event": f.event.title,
                "rating": f.rating,
                "what_worked": f.what_worked,
                "what_to_change": f.what_to_change,
                "given_at": _iso(f.created_at),
            }
            for f in Feedback.objects.filter(member=user).select_related("event")
        ],
        "books": [
            {
                "event": b.event.title,
                "title": b.title,
                "blurb": b.blurb,
                "status": b.status,
                "offered_at": _iso(b.created_at),
            }
            for b in Book.objects.filter(member=user).select_related("event")
        ],
        "bookings": [
            {
                "event": b.book.event.title,
                "book": b.book.title,
                "starts_at": _iso(b.starts_at),
                "status": b.status,
            }
            for b in Booking.objects.filter(reader=user).select_related("book__event")
        ],
        "calendar_feed_made_at": _iso(
            CalendarFeed.objects.filter(member=user).values_list("created_at", flat=True).first()
        ),
    }


def erase_from_events(user: Any) -> None:
    """A departing member's seats to come go to the waiting lists (in order, and those promoted
    are told); what they wrote goes. Past places stay, anonymous with the account, so the
    board's attendance figures still add up; their feedback stays, belonging to no one."""
    remove_member_from_events(member=user, now=timezone.now())
    Registration.objects.filter(member=user).exclude(access_needs="").update(access_needs="")
    CalendarFeed.objects.filter(member=user).delete()
    Feedback.objects.filter(member=user).update(member=None)
    Book.objects.filter(member=user).update(title="A former member's book", blurb="")
