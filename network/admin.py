from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from network import mail
from network.models import (
    MembershipCategory,
    MentoringTopic,
    NetworkSettings,
    OutboundEmail,
    ProviderEvent,
    SensitiveCharacteristic,
)


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
    fieldsets = [
        ("The network", {"fields": ["name", "sponsor", "summary", "eligibility"]}),
        ("Contact", {"fields": ["contact_email"]}),
        ("Invitations", {"fields": ["invitation_expiry_days", "approvals_required"]}),
        ("Guidelines", {"fields": ["guidelines_version", "privacy_version"]}),
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
