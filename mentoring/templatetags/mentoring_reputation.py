"""A member's mentoring record on their profile page, which members' templates show through this
tag, so members' code never imports mentoring."""

from typing import Any

from django import template

from mentoring.reputation import records_for

register = template.Library()


@register.inclusion_tag("mentoring/includes/mentoring_record.html")
def mentoring_record(visible: Any) -> dict[str, Any]:
    """The record of the profile `visible` shows, if its viewer may see the mentoring offer (the
    record goes with it, to the audience the member chose). No query when they may not."""
    profile = visible.profile
    if not visible.shows("mentoring_offer"):
        return {"record": None}
    record = records_for([profile.pk]).get(profile.pk)
    if record is None or (record.is_empty and not profile.offers_mentoring):
        return {"record": None}
    return {"record": record}
