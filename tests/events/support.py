"""What the events tests share: events ready for members, seats, books and a snapshot of the
records a refusal must leave as they were."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from events.models import Book, Booking, Event, Kind, Registration
from members.models import User
from network.models import AuditEvent, NetworkSettings, OutboundEmail
from tests.factories import MemberFactory


def next_week() -> datetime:
    """A start time a week ahead, on the hour, so conversation times fall on round minutes."""
    return (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)


def published_event(**fields: Any) -> Event:
    starts_at = fields.pop("starts_at", None) or next_week()
    values: dict[str, Any] = {
        "title": "Leading through winter pressures",
        "description": "An evening for members across the region.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "capacity": 20,
        "status": Event.Status.PUBLISHED,
        "published_at": timezone.now(),
    }
    return Event.objects.create(**{**values, **fields})


def living_library(**fields: Any) -> Event:
    values = {"title": "Living library: our stories", "kind": Kind.LIVING_LIBRARY}
    return published_event(**{**values, **fields})


def member_with_topics(topics: str = "Coming out at work in the NHS", **fields: Any) -> User:
    member = MemberFactory(**fields)
    member.profile.living_library_topics = topics
    member.profile.save()
    return member


def seated(event: Event, member: User | None = None) -> User:
    """A member with a confirmed place at the event (made directly, as the board's data would)."""
    member = member or MemberFactory()
    Registration.objects.create(event=event, member=member, status=Registration.Status.CONFIRMED)
    return member


def a_book(event: Event, member: User | None = None, **fields: Any) -> Book:
    member = member or member_with_topics()
    values = {"title": "A nurse who came out at fifty", "blurb": "Ask me anything."}
    return Book.objects.create(event=event, member=member, **{**values, **fields})


def set_network(**fields: Any) -> None:
    NetworkSettings.objects.get_or_create(pk=1)
    NetworkSettings.objects.filter(pk=1).update(**fields)
    NetworkSettings.clear_cache()


def snapshot() -> dict[str, list[Any]]:
    """Every record an event's rules may touch, to compare before and after a refusal."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Event, Registration, Book, Booking, OutboundEmail, AuditEvent)
    }


def mails(template: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))
