"""Calendar entries (iCalendar, RFC 5545 and the iTIP methods of RFC 5546), made with icalendar.

An entry keeps the event's UID for its whole life and carries its SEQUENCE, raised on every change
attendees are told of: Outlook, Google and Apple calendars replace an entry when the same UID
comes again with a higher SEQUENCE (METHOD:REQUEST) and drop it on METHOD:CANCEL. Times are
written in Europe/London with its VTIMEZONE, so an entry stays right across the clock changes.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from network.links import absolute_url
from network.models import NetworkSettings

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
LONDON = ZoneInfo("Europe/London")
PRODUCT = "-//Leadership network//Events//EN"
# How often a calendar app should read a member's feed again.
FEED_REFRESH = timedelta(hours=1)


def _calendar(method: str, network: NetworkSettings) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _organizer(network: NetworkSettings) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{network.contact_email}")
    organizer.params["cn"] = vText(network.name)
    return organizer


def _entry(
    event: Any, *, network: NetworkSettings, cancelled: bool, show_join_link: bool
) -> CalendarEvent:
    entry = CalendarEvent()
    entry.add("uid", f"{event.uid}@{_domain()}")
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", timezone.now())
    entry.add("dtstart", event.starts_at.astimezone(LONDON))
    entry.add("dtend", event.ends_at.astimezone(LONDON))
    entry.add("summary", event.title)
    description = event.description
    if show_join_link and event.join_link and not cancelled:
        description = f"{description}\n\nJoin online: {event.join_link}"
    entry.add("description", description)
    place = ", ".join(part for part in (event.venue, " ".join(event.address.split())) if part)
    if not place and event.is_online:
        place = "Online"
    if place:
        entry.add("location", place)
    entry.add("url", absolute_url(reverse("events:detail", args=[event.pk])))
    entry.add("organizer", _organizer(network))
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return entry


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]


def invitation(event: Any, *, attendee: Any, method: str) -> bytes:
    """One attendee's entry for an event: REQUEST to add or update it, CANCEL to take it out."""
    network = NetworkSettings.load()
    cal = _calendar(method, network)
    entry = _entry(event, network=network, cancelled=method == CANCEL, show_join_link=True)
    address = vCalAddress(f"mailto:{attendee.email}")
    address.params["cn"] = vText(attendee.name or attendee.email)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("ACCEPTED")
    entry.add("attendee", address)
    cal.add_component(entry)
    cal.add_missing_timezones()
    return cal.to_ical()


def attachment(event: Any, *, attendee: Any, method: str) -> dict[str, str]:
    """The entry as an outbox attachment. The MIME type names the same method as the file, as
    iTIP requires, so mail programs offer to add, update or remove the entry."""
    return {
        "filename": "cancel.ics" if method == CANCEL else "invite.ics",
        "content": invitation(event, attendee=attendee, method=method).decode(),
        "mimetype": f"text/calendar; method={method}",
    }


def feed(events: Iterable[Any], *, member_name: str, now: datetime | None = None) -> bytes:
    """A member's own calendar feed: the events they have a seat at, for a calendar app to read."""
    network = NetworkSettings.load()
    cal = _calendar(PUBLISH, network)
    cal.add("x-wr-calname", f"{network.name}: {member_name}'s events")
    cal.add("x-wr-timezone", "Europe/London")
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", FEED_REFRESH)
    for event in events:
        cancelled = event.status == "cancelled"
        cal.add_component(_entry(event, network=network, cancelled=cancelled, show_join_link=True))
    cal.add_missing_timezones()
    return cal.to_ical()
