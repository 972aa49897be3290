from django.contrib import admin
from django.http import HttpRequest

from network.models import MembershipCategory, NetworkSettings


class MembershipCategoryInline(admin.TabularInline):
    model = MembershipCategory
    extra = 0
    fields = ["name", "description", "position"]


@admin.register(NetworkSettings)
class NetworkSettingsAdmin(admin.ModelAdmin):
    inlines = [MembershipCategoryInline]
    fieldsets = [
        ("The network", {"fields": ["name", "sponsor", "summary", "eligibility"]}),
        ("Contact", {"fields": ["contact_email"]}),
        ("Invitations", {"fields": ["invitation_expiry_days"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not NetworkSettings.objects.exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: NetworkSettings | None = None
    ) -> bool:
        return False
