"""Reads of a member's own places that more than one page shows (their events page and their
home page), each one query however many places they hold."""

from typing import Any

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from events.models import Event, Registration, RegistrationQuerySet


def own_places(member: Any) -> RegistrationQuerySet:
    """The member's registrations at events members can see, with their events and, for each
    place on a waiting list, its position (1 is next), in order of the events' start."""
    ahead = Registration.objects.filter(
        event=OuterRef("event"),
        status=Registration.Status.WAITING,
        queue_number__lte=OuterRef("queue_number"),
    )
    position = ahead.order_by().values("event").annotate(n=Count("pk")).values("n")[:1]
    return (
        Registration.objects.filter(member=member)
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        .annotate(position=Subquery(position))
        .order_by("event__starts_at", "event__pk")
    )


def coming_places(member: Any) -> list[Registration]:
    """The member's live places at published events still to come."""
    return list(
        own_places(member)
        .live()
        .filter(event__status=Event.Status.PUBLISHED, event__ends_at__gt=timezone.now())
    )
