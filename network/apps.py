from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        from anymail.signals import tracking

        from network import mail
        from network.personal_data import contributes

        # anymail reports the provider's webhooks through this signal; it is the only way in.
        tracking.connect(mail.record_tracking_event, dispatch_uid="network-mail-tracking")
        contributes("emails")(mail.export_for)
