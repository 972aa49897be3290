from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from members.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "groups"]
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
    add_fieldsets = [(None, {"fields": ["email", "name", "password1", "password2"]})]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        # Only the operator may grant superuser status or single permissions; the board manages
        # access through the groups.
        return self.superuser_fieldsets if request.user.is_superuser else self.fieldsets
