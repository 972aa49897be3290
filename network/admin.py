import json
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from network import mail
from network.models import (
    AuditAction,
    AuditEvent,
    MembershipCategory,
    MentoringTopic,
    NetworkSettings,
    OutboundEmail,
    ProviderEvent,
    SensitiveCharacteristic,
    record,
)
from network.spreadsheets import csv_response


class UniqueCategoryNames(BaseInlineFormSet):
    """Refuse a name another row of the list (a category, a mentoring topic) already has,
    whatever the form says about its rows.

    The database's constraint is the last word; this turns it into a message instead of an error
    page, even when the form's count of existing rows is stale or tampered with.
    """

    def clean(self) -> None:
        super().clean()
        edited = {form.instance.pk for form in self.initial_forms if form.instance.pk}
        taken = set(
            self.model.objects.filter(settings=self.instance)
            .exclude(pk__in=edited)
            .values_list("name", flat=True)
        )
        for form in self.forms:
            name = form.cleaned_data.get("name") if hasattr(form, "cleaned_data") else None
            if not name or form in self.deleted_forms:
                continue
            if name in taken:
                kind = "category" if self.model is MembershipCategory else "topic"
                raise ValidationError(f"There is already a {kind} called “{name}”.")
            taken.add(name)


class MembershipCategoryInline(admin.TabularInline):
    model = MembershipCategory
    formset = UniqueCategoryNames
    extra = 0
    fields = ["name", "description", "position"]


class MentoringTopicInline(admin.TabularInline):
    """The list of topics mentors offer and mentees ask for, kept by the board."""

    model = MentoringTopic
    formset = UniqueCategoryNames
    extra = 0
    fields = ["name", "position"]
    verbose_name = "mentoring topic"
    verbose_name_plural = "mentoring topics mentors offer and mentees ask for"


class NetworkSettingsForm(forms.ModelForm):
    def clean_match_weights(self) -> dict[str, float]:
        # Each part of a match is named once with a weight; a part left out keeps its default.
        weights = self.cleaned_data.get("match_weights") or {}
        if not isinstance(weights, dict) or not all(
            isinstance(name, str)
            and isinstance(weight, int | float)
            and not isinstance(weight, bool)
            and 0 <= weight <= 100
            for name, weight in weights.items()
        ):
            raise ValidationError(
                'Write the weights as {"part": number, ...}, each a number from 0 to 100, or '
                "leave it as {} for the defaults."
            )
        return weights


class SensitiveCharacteristicInline(admin.TabularInline):
    model = SensitiveCharacteristic
    extra = 0
    fields = ["name", "position"]
    verbose_name = "characteristic members may describe, with their consent"
    verbose_name_plural = "characteristics members may describe, with their consent"


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin):
    form = NetworkSettingsForm
    inlines = [MembershipCategoryInline, SensitiveCharacteristicInline, MentoringTopicInline]
    # Publishing a version of the guidelines sets it, so members always accept what was published.
    readonly_fields = ["guidelines_version"]
    fieldsets = [
        ("The network", {"fields": ["name", "sponsor", "summary", "eligibility"]}),
        ("Contact", {"fields": ["contact_email"]}),
        ("Invitations", {"fields": ["invitation_expiry_days", "approvals_required"]}),
        ("Guidelines", {"fields": ["guidelines_version", "privacy_version"]}),
        ("Impact figures", {"fields": ["small_numbers_threshold"]}),
        ("The audit log", {"fields": ["audit_retention_days"]}),
        (
            "Mentoring",
            {
                "fields": [
                    "max_open_requests",
                    "request_reminder_days",
                    "request_lapse_days",
                    "lapses_before_pause",
                    "pairing_term_months",
                    "check_in_reminder_weeks",
                    "fit_question_weeks",
                    "match_weights",
                ],
                "description": "The topics mentors offer are listed at the foot of this page.",
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not NetworkSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: NetworkSettings | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: NetworkSettings, form: Any, change: bool
    ) -> None:
        # Compared with the stored row rather than taken from the form's changed_data, which
        # counts an empty JSON field ({}) as changed on every save.
        stored = NetworkSettings.objects.filter(pk=1).values(*form.changed_data).first() or {}
        form.settings_changed = sorted(
            name for name in form.changed_data if stored.get(name) != getattr(obj, name)
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The names of what changed, never the values: a setting's old and new words are in the
        # page's history, and the contact address is not the audit log's to keep.
        lists = [formset.model._meta.model_name for formset in formsets if formset.has_changed()]
        if form.settings_changed or lists:
            record(
                actor=request.user,
                action=AuditAction.SETTINGS_CHANGED,
                target=form.instance,
                data={"fields": form.settings_changed, "lists": lists},
            )


class ProviderEventInline(admin.TabularInline):
    """What the provider reported, in the order it arrived: a record, so nobody edits it."""

    model = ProviderEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "event_type",
        "reject_reason",
        "occurred_at",
        "received_at",
        "provider",
    )

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RecordAdmin(admin.ModelAdmin):
    """A record the board reads and never types into: it changes only through the network's own
    functions (a decision, an action, a member's choice), never by editing or deleting rows."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(RecordAdmin):
    list_display = ["template", "to_email", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "category", "template"]
    search_fields = ["to_email", "provider_message_id"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    inlines = [ProviderEventInline]
    fields = RECORD_FIELDS = (
        "template",
        "to_email",
        "recipient",
        "category",
        "status",
        "attempts",
        "last_error",
        "provider_message_id",
        "created_at",
        "sent_at",
        "status_changed_at",
    )
    readonly_fields = RECORD_FIELDS

    @admin.action(description="Send the selected failed emails again", permissions=["view"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        count = mail.retry_failed(email_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request, f"{count} failed email(s) queued to send again.", messages.SUCCESS
        )


class TargetTypeFilter(admin.SimpleListFilter):
    """The kinds of record the log has entries about, by their names in the board site."""

    title = "what it was about"
    parameter_name = "target_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = AuditEvent.objects.order_by().values_list("target_type", flat=True).distinct()
        return sorted(((label, kind_of(label)) for label in labels), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> Any:
        value = self.value()
        return queryset.filter(target_type=value) if value else queryset


def kind_of(label: str) -> str:
    """What a model label ("members.User") is called on the board site ("account")."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def readable(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(readable(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items())
    return str(value)


@admin.register(AuditEvent)
class AuditEventAdmin(RecordAdmin):
    """The audit log: read, filtered and downloaded, never changed (PostgreSQL refuses that too)."""

    list_display = ["created_at", "actor_name", "action", "target", "request_id"]
    list_display_links = ["created_at"]
    list_filter = ["action", TargetTypeFilter]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    search_fields = ["=actor__email", "=target_id", "=request_id"]
    search_help_text = (
        "Find the entries of one person by their email address, about one record by its number, "
        "or of one request by its id."
    )
    # Counting the whole log for "of N" would read every entry on each visit.
    show_full_result_count = False
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = (
        "created_at",
        "actor_name",
        "action",
        "target",
        "reason",
        "details",
        "request_id",
    )
    change_list_template = "admin/network/auditevent/change_list.html"

    @admin.display(description="who", ordering="actor__email")
    def actor_name(self, event: AuditEvent) -> str:
        return str(event.actor) if event.actor_id else "the network itself"

    @admin.display(description="about")
    def target(self, event: AuditEvent) -> str:
        text = f"{kind_of(event.target_type)} {event.target_id}"
        app_label, _, model = event.target_type.lower().partition(".")
        try:
            url = reverse(
                f"{self.admin_site.name}:{app_label}_{model}_change", args=[event.target_id]
            )
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description="details")
    def details(self, event: AuditEvent) -> SafeString | str:
        if not event.data:
            return "none"
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt><strong>{}</strong></dt><dd>{}</dd>",
                (
                    (str(key).replace("_", " ").capitalize(), readable(value))
                    for key, value in event.data.items()
                ),
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export.csv",
            self.admin_site.admin_view(self.export_view),
            name="network_auditevent_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The list as filtered on the page, every entry (not one page of it), as a spreadsheet."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(f"{reverse('admin:network_auditevent_changelist')}?{ERROR_FLAG}=1")
        events = changelist.queryset
        filters = {
            name: value
            for name, value in sorted(changelist.params.items())
            if name not in (SEARCH_VAR, "o")
        }
        # What was asked for, in words the log already holds: a search may be someone's
        # address, so only that there was one is kept.
        record(
            actor=request.user,
            action=AuditAction.AUDIT_EXPORTED,
            target=NetworkSettings.load(),
            data={"filters": filters, "searched": bool(changelist.query)},
        )
        return csv_response(
            "audit-log.csv",
            [
                "time",
                "who",
                "action",
                "action code",
                "about",
                "record",
                "reason",
                "details",
                "request id",
            ],
            (
                [
                    event.created_at.isoformat(),
                    self.actor_name(event),
                    event.get_action_display(),
                    event.action,
                    kind_of(event.target_type),
                    event.target_id,
                    event.reason,
                    json.dumps(event.data, sort_keys=True, default=str) if event.data else "",
                    event.request_id,
                ]
                for event in events.iterator(chunk_size=2000)
            ),
        )
