from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from members.models import User
from network.models import AuditAction, NetworkSettings, record

# What lets someone into an account or widens what it may do. The board may read these; only the
# operator changes them, and every change goes on the record.
ACCOUNT_KEYS = ["email", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
FLAGS = {"is_active", "is_staff", "is_superuser"}


def _names(values: Any) -> list[str]:
    """Groups and permissions as their names, sorted, for the audit record."""
    return sorted(
        f"{value.content_type.app_label}.{value.codename}"
        if hasattr(value, "codename")
        else value.name
        for value in values or []
    )


class GuidelinesFilter(admin.SimpleListFilter):
    """Members who have not yet accepted the guidelines in force (the version the network's
    settings name), for the board's work queue to link to."""

    title = "current guidelines"
    parameter_name = "guidelines"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yet_to_accept", "Not yet accepted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() != "yet_to_accept":
            return queryset
        version = NetworkSettings.load().guidelines_version
        return queryset.filter(pk__in=User.objects.yet_to_accept(version).values("pk"))


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "groups", GuidelinesFilter]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "groups"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    superuser_fieldsets = [
        *fieldsets,
        ("Operator only", {"fields": ["password", "is_superuser", "user_permissions"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Accounts come only through invitations (the operator's own through createsuperuser).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Leaving erases through one path (members.services.erase_member), never a bare delete.
        return False

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # Only the operator may grant superuser status or single permissions; the board manages
        # access through the groups.
        return self.superuser_fieldsets if request.user.is_superuser else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # With the email address or the password, a board member could sign in as anyone,
        # the operator included; with the access flags and groups, they could widen their own.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, *ACCOUNT_KEYS]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        with transaction.atomic():
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=unquote(id)).first()
            if user is not None and user.password != before:
                record(
                    actor=request.user,
                    action=AuditAction.ACCOUNT_CHANGED,
                    target=user,
                    data={"fields": ["password"], "usable": user.has_usable_password()},
                )
        return response

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        changed = [key for key in ACCOUNT_KEYS if key in form.changed_data]
        if not changed:
            return
        data: dict[str, Any] = {"fields": changed}
        for key in changed:
            if key in FLAGS:
                data[key] = {"old": form.initial.get(key), "new": form.cleaned_data[key]}
            elif key != "email":
                data[key] = {
                    "old": _names(form.initial.get(key)),
                    "new": _names(form.cleaned_data[key]),
                }
        # The change view runs in one transaction, so the record commits with the change.
        record(
            actor=request.user, action=AuditAction.ACCOUNT_CHANGED, target=form.instance, data=data
        )
