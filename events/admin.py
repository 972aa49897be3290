"""The programme board's side of events: scheduling, publishing, copying and cancelling,
attendance, clearing no-shows, the feedback summary and the living-library grid.

Every change goes through one function in events.services (or events.library), which locks,
checks, records the board member's action in the audit log and tells the people concerned; the
pages here only read a form and call it. Feedback, books, bookings and calendar feeds have no
admin list of their own: feedback is read as an unnamed summary, books and bookings on the grid,
and calendar feeds hold secret hashes nobody needs to see.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, URLField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from events import library, services
from events.models import Booking, Event, Registration
from network.admin import RecordAdmin
from network.errors import Refused
from network.http import is_record_id, posted

LONDON = ZoneInfo("Europe/London")
Status = Registration.Status
Attendance = Registration.Attendance
# What the board may record for each person who had a place.
MARKS = [Attendance.ATTENDED, Attendance.NO_SHOW, Attendance.CANCELLED_LATE]


def london(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


class CancelForm(forms.Form):
    message = forms.CharField(
        label="Why the event is cancelled",
        help_text="Everyone with a place or on the waiting list gets this in their email.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ClearNoShowForm(forms.Form):
    reason = forms.CharField(
        label="Why the no-show is cleared",
        help_text="For example: they told us in advance, or the train was cancelled.",
        max_length=300,
    )


class AttendanceForm(forms.Form):
    """One choice for each person with a confirmed place, sent in one go.

    Written by hand rather than as a field per person: with a thousand places, a thousand form
    fields are slow to draw, and the page only needs three radio buttons a row.
    """

    def __init__(
        self,
        registrations: list[Registration],
        data: Any = None,
        *,
        everyone_attended: bool = False,
    ) -> None:
        super().__init__(data)
        self.registrations = registrations
        self.everyone_attended = everyone_attended

    def clean(self) -> dict[str, Any]:
        marks: dict[int, str] = {}
        offered = {str(mark) for mark in MARKS}
        for registration in self.registrations:
            value = self.data.get(self.name_for(registration), "")
            if value in offered:
                marks[registration.pk] = value
            elif value:
                raise ValidationError(
                    "Choose attended, did not come or cancelled late for each person, then save."
                )
        if not marks:
            raise ValidationError("Mark at least one person, then save.")
        self.cleaned_data["marks"] = marks
        return self.cleaned_data

    @staticmethod
    def name_for(registration: Registration) -> str:
        return f"attendance-{registration.pk}"

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for registration in self.registrations:
            if self.is_bound:
                chosen = self.data.get(self.name_for(registration), "")
            elif self.everyone_attended:
                chosen = Attendance.ATTENDED
            else:
                chosen = registration.attendance
            rows.append(
                {
                    "registration": registration,
                    "name": self.name_for(registration),
                    "choices": [
                        {"value": mark.value, "label": mark.label, "checked": chosen == mark}
                        for mark in MARKS
                    ],
                }
            )
        return rows


def _page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, title: str, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"admin/events/{template}",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            **context,
        },
    )


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "starts", "kind", "format", "status", "places", "waiting"]
    list_filter = ["status", "kind", "format"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-pk"]
    actions = ["publish"]
    readonly_fields = ["status", "places", "waiting", "calendar_version", "cancellation_message"]
    change_form_template = "admin/events/event/change_form.html"
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    fieldsets = [
        ("What", {"fields": ["title", "description", "kind"]}),
        (
            "When",
            {
                "fields": ["starts_at", "ends_at"],
                "description": "Times are in UK time (Europe/London).",
            },
        ),
        (
            "Where",
            {"fields": ["format", "region", "venue", "address", "accessibility", "join_link"]},
        ),
        (
            "Who can come",
            {
                "fields": ["audience_category", "audience_region", "audience_profession"],
                "description": "Leave these empty for an event open to every member.",
            },
        ),
        (
            "Registration",
            {"fields": ["capacity", "registration_opens_at", "registration_closes_at"]},
        ),
        ("Living library", {"fields": ["slot_minutes", "readers_per_slot"]}),
    ]
    state_fieldset = (
        "State",
        {
            "fields": ["status", "places", "waiting", "calendar_version", "cancellation_message"],
            "description": "The state changes only through the buttons above.",
        },
    )

    def get_fieldsets(self, request: HttpRequest, obj: Event | None = None) -> Any:
        return [self.state_fieldset, *self.fieldsets] if obj else self.fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        # Seats and waiting lists counted with the list, not once a row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                seats_taken=Count(
                    "registrations", filter=Q(registrations__status__in=Registration.HOLDING_SEAT)
                ),
                waiting_count=Count(
                    "registrations", filter=Q(registrations__status=Status.WAITING)
                ),
            )
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An event with people's places is cancelled, so they are told; never silently deleted.
        return False

    @admin.display(description="Starts (UK time)", ordering="starts_at")
    def starts(self, event: Event) -> str:
        return london(event.starts_at)

    @admin.display(description="Places taken")
    def places(self, event: Event) -> str:
        return f"{getattr(event, 'seats_taken', 0)} of {event.capacity}"

    @admin.display(description="Waiting")
    def waiting(self, event: Event) -> int:
        return int(getattr(event, "waiting_count", 0))

    @admin.display(description="Calendar version")
    def calendar_version(self, event: Event) -> int:
        return event.sequence

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        services.save_event(event=obj, changed=form.changed_data, by=request.user)

    @admin.action(
        description="Publish the selected drafts and announce them", permissions=["change"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        published = 0
        for event in queryset:
            try:
                services.publish_event(event_id=event.pk, by=request.user)
                published += 1
            except Refused as refusal:
                self.message_user(request, f"{event.title}: {refusal}", messages.ERROR)
        if published:
            self.message_user(
                request, f"{published} event(s) published and announced.", messages.SUCCESS
            )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        extra = [
            path("<int:pk>/publish/", view(self.publish_view), name="events_event_publish"),
            path("<int:pk>/copy/", view(self.copy_view), name="events_event_copy"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="events_event_cancel"),
            path(
                "<int:pk>/attendance/", view(self.attendance_view), name="events_event_attendance"
            ),
            path("<int:pk>/feedback/", view(self.feedback_view), name="events_event_feedback"),
            path("<int:pk>/library/", view(self.library_view), name="events_event_library"),
            path(
                "<int:pk>/library/confirm/",
                view(self.confirm_library_view),
                name="events_event_confirm_library",
            ),
        ]
        return extra + super().get_urls()

    def _event(self, request: HttpRequest, pk: int) -> Event:
        if not self.has_change_permission(request):
            raise Http404
        return get_object_or_404(Event, pk=pk)

    def _back(self, event: Event) -> HttpResponse:
        return redirect("admin:events_event_change", event.pk)

    @method_decorator(require_POST)
    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        try:
            services.publish_event(event_id=event.pk, by=request.user)
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, f"“{event.title}” is published and its announcement queued.")
        return self._back(event)

    @method_decorator(require_POST)
    def copy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        copy = services.copy_event(event_id=event.pk, by=request.user)
        messages.success(request, "This is a draft copy. Give it new dates, then publish it.")
        return self._back(copy)

    def cancel_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        form = CancelForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.cancel_event(
                    event_id=event.pk, by=request.user, message=form.cleaned_data["message"]
                )
            except Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"“{event.title}” is cancelled and everyone told.")
                return self._back(event)
        counts = event.registrations.aggregate(
            seats=Count("pk", filter=Q(status__in=Registration.HOLDING_SEAT)),
            waiting=Count("pk", filter=Q(status=Status.WAITING)),
        )
        return _page(
            self,
            request,
            "form_page.html",
            f"Cancel {event.title}",
            form=form,
            event=event,
            intro=(
                f"{counts['seats']} people with a place and {counts['waiting']} on the waiting "
                "list will get your message, and the event will leave their calendars."
            ),
            submit="Cancel the event",
        )

    def attendance_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        registrations = list(
            event.registrations.filter(status=Status.CONFIRMED)
            .select_related("member")
            .order_by("member__name", "pk")
        )
        form = AttendanceForm(
            registrations, posted(request), everyone_attended="everyone" in request.GET
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.mark_attendance(
                    event_id=event.pk, marks=form.cleaned_data["marks"], by=request.user
                )
            except Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Attendance saved.")
                return redirect("admin:events_event_attendance", event.pk)
        return _page(
            self,
            request,
            "attendance.html",
            f"Attendance at {event.title}",
            form=form,
            event=event,
            starts=london(event.starts_at),
        )

    def feedback_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        feedback = event.feedback.all()
        summary = feedback.aggregate(count=Count("pk"), average=Avg("rating"))
        by_rating = dict(
            feedback.order_by()
            .values_list("rating")
            .annotate(count=Count("pk"))
            .values_list("rating", "count")
        )
        # What people wrote, without who wrote it or when.
        comments = list(
            feedback.exclude(what_worked="", what_to_change="")
            .order_by("?")
            .values("rating", "what_worked", "what_to_change")
        )
        return _page(
            self,
            request,
            "feedback.html",
            f"Feedback on {event.title}",
            event=event,
            summary=summary,
            distribution=[(rating, by_rating.get(rating, 0)) for rating in range(5, 0, -1)],
            comments=comments,
        )

    def library_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        if not event.is_living_library:
            raise Http404
        times = library.conversation_times(event)
        books = list(event.books.select_related("member").order_by("title", "pk"))
        readers: dict[tuple[int, datetime], list[str]] = defaultdict(list)
        bookings = (
            Booking.objects.booked()
            .filter(book__event=event)
            .order_by("starts_at", "reader__name")
            .values_list("book_id", "starts_at", "reader__name")
        )
        for book_id, starts_at, name in bookings:
            readers[(book_id, starts_at)].append(name)
        rows = [
            {"book": book, "cells": [readers.get((book.pk, time), []) for time in times]}
            for book in books
        ]
        return _page(
            self,
            request,
            "library.html",
            f"Living library: {event.title}",
            event=event,
            times=[time.astimezone(LONDON).strftime("%H:%M") for time in times],
            rows=rows,
            readers_per_slot=event.readers_per_slot,
        )

    @method_decorator(require_POST)
    def confirm_library_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        event = self._event(request, pk)
        try:
            confirmed = library.confirm_library(event_id=event.pk, by=request.user)
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request, f"Session confirmed: {confirmed} book(s) told who booked them."
            )
        return redirect("admin:events_event_library", event.pk)


class ChosenEventFilter(admin.RelatedFieldListFilter):
    """Registrations for one event, reached from the event's page: the side panel names only
    the chosen event instead of listing every event the network ever held."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        chosen = [value for value in self.lookup_val or [] if is_record_id(value)]
        return list(Event.objects.filter(pk__in=chosen).values_list("pk", "title"))

    def has_output(self) -> bool:
        return bool(self.lookup_choices)


@admin.register(Registration)
class RegistrationAdmin(RecordAdmin):
    # Members register themselves; seats are decided by the services, never typed in.
    list_display = [
        "member",
        "event",
        "status",
        "waiting_position",
        "access_needs",
        "attendance",
        "no_show_cleared_reason",
    ]
    list_filter = [("event", ChosenEventFilter), "status", "attendance"]
    list_select_related = ["member", "event"]
    search_fields = ["member__name", "member__email"]
    change_form_template = "admin/events/registration/change_form.html"
    fields = readonly_fields = (
        "member",
        "event",
        "status",
        "waiting_position",
        "offer_expires_at",
        "access_needs",
        "attendance",
        "no_show_cleared_reason",
        "created_at",
        "status_changed_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        # A waiting member's place ("3rd"), counted in the list's own query.
        ahead = (
            Registration.objects.filter(
                event=OuterRef("event"),
                status=Status.WAITING,
                queue_number__lte=OuterRef("queue_number"),
            )
            .order_by()
            .values("event")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(place=Subquery(ahead, output_field=IntegerField()))
        )

    @admin.display(description="Place on the waiting list")
    def waiting_position(self, registration: Registration) -> Any:
        if registration.status != Status.WAITING:
            return "-"
        return getattr(registration, "place", None) or "-"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/clear-no-show/",
                self.admin_site.admin_view(self.clear_no_show_view),
                name="events_registration_clear_no_show",
            )
        ]
        return extra + super().get_urls()

    def clear_no_show_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        registration = get_object_or_404(
            Registration.objects.select_related("member", "event"), pk=pk
        )
        form = ClearNoShowForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.clear_no_show(
                    registration_id=registration.pk,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"The no-show for {registration.member} is cleared.")
                return redirect("admin:events_registration_change", registration.pk)
        return _page(
            self,
            request,
            "form_page.html",
            f"Clear the no-show for {registration.member}",
            form=form,
            event=registration.event,
            intro=(
                f"{registration.member} is recorded as not coming to {registration.event}. "
                "Clearing it removes the no-show from their record; the reason is kept."
            ),
            submit="Clear the no-show",
        )
