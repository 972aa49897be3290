from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "invitations"
    verbose_name = "Applications and invitations"

    def ready(self) -> None:
        from invitations import emails  # noqa: F401  (registers the invitation mail's context)
        from invitations.export import application_section, erase_applications
        from network.personal_data import contributes, erases

        contributes("applications_and_invitations")(application_section)
        erases(erase_applications)
