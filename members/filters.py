import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import QuerySet

from members.models import (
    MentoringStatus,
    Profession,
    Profile,
    ProfileQuerySet,
    Region,
    Visibility,
)
from network.models import MembershipCategory


class DirectoryFilter(django_filters.FilterSet):
    """Search and filters over what members chose to show other members, and nothing else."""

    q = django_filters.CharFilter(
        label="Search by name, job, organisation or topic", method="search"
    )
    profession = django_filters.ChoiceFilter(
        choices=Profession.choices, empty_label="Any profession", method="shown_as"
    )
    region = django_filters.ChoiceFilter(
        choices=Region.choices, empty_label="Any region", method="shown_as"
    )
    category = django_filters.ModelChoiceFilter(
        label="Membership",
        queryset=MembershipCategory.objects.all(),
        empty_label="Any membership",
        method="shown_as",
    )
    mentors = django_filters.BooleanFilter(
        label="Offers mentoring now", widget=forms.CheckboxInput, method="mentors_only"
    )
    living_library = django_filters.BooleanFilter(
        label="Takes part in the living library",
        widget=forms.CheckboxInput,
        method="living_library_only",
    )

    class Meta:
        model = Profile
        fields: list[str] = []

    def shown_as(self, queryset: ProfileQuerySet, name: str, value: object) -> QuerySet[Profile]:
        return queryset.visible_as(name, value) if value else queryset

    def mentors_only(
        self, queryset: QuerySet[Profile], name: str, value: bool
    ) -> QuerySet[Profile]:
        if not value:
            return queryset
        return queryset.filter(
            mentoring_status=MentoringStatus.ACCEPTING,
            visibility__mentoring_offer=Visibility.MEMBERS,
        )

    def living_library_only(
        self, queryset: QuerySet[Profile], name: str, value: bool
    ) -> QuerySet[Profile]:
        if not value:
            return queryset
        return queryset.exclude(living_library_topics="").filter(
            visibility__living_library=Visibility.MEMBERS
        )

    def search(self, queryset: QuerySet[Profile], name: str, value: str) -> QuerySet[Profile]:
        words = value.split()
        if not words:
            return queryset
        if connection.vendor == "postgresql":
            # Every result holds every word, and results are listed by name like the rest of
            # the directory: ranking every match of a common word cost more than the page.
            return queryset.filter(
                search_vector=SearchQuery(value, config="english", search_type="websearch")
            )
        for word in words:
            queryset = queryset.filter(search_document__icontains=word)
        return queryset
