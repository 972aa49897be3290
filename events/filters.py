from typing import cast

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from events.models import Event, EventQuerySet, Format, Kind
from members.models import Region

UPCOMING, PAST = "upcoming", "past"


class EventFilter(django_filters.FilterSet):
    """The events page's filters. Coming events are shown unless past ones are asked for."""

    when = django_filters.ChoiceFilter(
        label="When",
        choices=[(UPCOMING, "Coming up"), (PAST, "Past events")],
        empty_label=None,
        method="by_time",
    )
    kind = django_filters.ChoiceFilter(choices=Kind.choices, empty_label="Any kind of event")
    format = django_filters.ChoiceFilter(
        label="Online or in person", choices=Format.choices, empty_label="Online or in person"
    )
    region = django_filters.ChoiceFilter(
        label="Region", choices=Region.choices, empty_label="Any region"
    )

    class Meta:
        model = Event
        fields: list[str] = []

    def by_time(self, queryset: EventQuerySet, name: str, value: str) -> QuerySet[Event]:
        # Applied in filter_queryset for every request, chosen or not.
        return queryset

    @property
    def past(self) -> bool:
        if not self.is_bound:
            return False
        self.form.is_valid()
        return self.form.cleaned_data.get("when") == PAST

    def filter_queryset(self, queryset: QuerySet[Event]) -> QuerySet[Event]:
        events = cast(EventQuerySet, super().filter_queryset(queryset))
        now = timezone.now()
        return events.past(now=now) if self.past else events.upcoming(now=now)
