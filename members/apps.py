from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added
        from django.db.models.signals import pre_delete

        from members import (
            directory,
            export,  # noqa: F401  (registers what "my data" holds of members)
        )
        from members.privacy import remember_new_factor
        from members.services import forget_characteristic
        from network.models import SensitiveCharacteristic

        authenticator_added.connect(remember_new_factor, dispatch_uid="members-new-factor")
        directory.connect()
        # The network's settings (a lower layer) own the characteristics; members own what was
        # written for them, so the removal reaches members through the signal.
        pre_delete.connect(
            forget_characteristic,
            sender=SensitiveCharacteristic,
            dispatch_uid="members-forget-characteristic",
        )
