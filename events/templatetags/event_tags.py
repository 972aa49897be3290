"""Events on pages other apps own: the member's home page shows their next events through this
tag, so members' code never imports events."""

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from events.places import coming_places

register = template.Library()

SHOWN_ON_HOME = 3


@register.inclusion_tag("events/includes/home_events.html")
def your_next_events(user: Any) -> dict[str, Any]:
    places = coming_places(user) if user.is_authenticated else []
    return {
        "going": [place for place in places if place.holds_seat][:SHOWN_ON_HOME],
        "waiting": [place for place in places if place.status == "waiting"],
    }


@register.filter
def clock(value: datetime) -> str:
    """A time as the NHS writes it, in London time: 9am, 7:30pm."""
    local = timezone.localtime(value)
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{local.hour % 12 or 12}{minutes}{'am' if local.hour < 12 else 'pm'}"


@register.filter
def day_and_time(value: datetime) -> str:
    """Thursday 15 July 2027, 7:30pm (London time)."""
    local = timezone.localtime(value)
    return f"{local:%A} {local.day} {local:%B %Y}, {clock(local)}"
