"""A member's personal calendar feed, read by their calendar app from a secret link.

The link works without signing in (calendar apps cannot sign in), so its token is a bearer
secret: it is shown to the member once, only its SHA-256 is kept, renewing replaces it (the old
link stops working at once) and network.logs keeps it out of every log.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from events.models import CalendarFeed, Event, Refusal, Registration
from members.models import User
from network.errors import Refused

# Events that ended this long ago stay in the feed, so last week's entries do not vanish.
RECENT = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def new_feed_link(*, member: Any) -> str:
    """Make the member's feed link, or a new one in place of the old: returns the token, which
    is never stored and cannot be shown again."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        member=member, defaults={"token_hash": _hash(token), "created_at": timezone.now()}
    )
    return token


def stop_feed(*, member: Any) -> None:
    """The member's feed link stops working; a new one can be made later."""
    CalendarFeed.objects.filter(member=member).delete()


def has_feed(member: Any) -> bool:
    return CalendarFeed.objects.filter(member=member).exists()


def member_for_feed(token: str) -> User:
    """Whose feed this link is. An unknown or renewed link, or a departed member's, is refused
    alike, so the answer says nothing about which it was."""
    feed = (
        CalendarFeed.objects.select_related("member")
        .filter(token_hash=_hash(token), member__is_active=True)
        .first()
    )
    if feed is None:
        raise Refused(Refusal.FEED_LINK_UNKNOWN)
    return feed.member


def events_in_feed(member: Any, *, now: datetime | None = None) -> QuerySet[Event]:
    """The events the member has a seat or an offered seat at, still to come or recently held.
    Cancelled ones stay, marked cancelled, so calendars drop them."""
    now = now or timezone.now()
    return (
        Event.objects.published()
        .filter(
            registrations__member=member,
            registrations__status__in=Registration.HOLDING_SEAT,
            ends_at__gt=now - RECENT,
        )
        .order_by("starts_at", "pk")
    )
