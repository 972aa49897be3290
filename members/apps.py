from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from members import export  # noqa: F401  (registers what "my data" holds of members)
        from members.privacy import remember_new_factor

        authenticator_added.connect(remember_new_factor, dispatch_uid="members-new-factor")
