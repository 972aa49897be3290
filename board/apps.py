from typing import Any

from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate

# The apps whose records the programme board manages from the admin.
BOARD_APP_LABELS = {
    "network",
    "members",
    "invitations",
    "events",
    "mentoring",
    "discussions",
    "board",
}
# Accounts come only through invitations and are suspended rather than deleted; the settings row
# is created once and never removed.
WITHHELD_PERMISSIONS = {"add_user", "delete_user", "add_networksettings", "delete_networksettings"}


def grant_board_permissions(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Keep the "Programme board" group holding every permission it needs, after each migrate."""
    if sender.label not in BOARD_APP_LABELS:
        return
    from members.models import BOARD_GROUP

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.using(using).get_or_create(name=BOARD_GROUP)
    permissions = (
        permission_model.objects.using(using)
        .filter(content_type__app_label=sender.label)
        .exclude(codename__in=WITHHELD_PERMISSIONS)
    )
    group.permissions.add(*permissions)


class BoardAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "board.admin.BoardAdminSite"

    def ready(self) -> None:
        super().ready()
        # The board's own records register once the site exists: importing them from
        # board.admin, which the site is built from, would register them on a site then thrown
        # away (and every app's records with them).
        from board import guidelines_admin, report_admin  # noqa: F401


class BoardConfig(AppConfig):
    default = True
    name = "board"
    verbose_name = "Programme board"

    def ready(self) -> None:
        post_migrate.connect(grant_board_permissions, dispatch_uid="grant_board_permissions")
        from board import guidelines

        guidelines.connect()
        from board import emails  # noqa: F401  (registers the conduct mail's context)
        from board.export import conduct_section
        from board.reports import reported_between
        from members.conduct import keeps_apart
        from network.personal_data import contributes

        keeps_apart(reported_between)
        contributes("conduct")(conduct_section)
