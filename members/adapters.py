from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from django.http import HttpRequest

from network.links import absolute_url
from network.mail import queue_email

# Links and codes in allauth's mail that let the holder into an account.
SECRET_LINKS = ("password_reset_url", "activate_url", "code")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Membership is by invitation only; nobody can create an account on their own.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's messages go through the outbox like all others, from our own templates.
        name = template_prefix.removeprefix("account/email/")
        user = context.get("user")
        secrets = {key: str(context[key]) for key in SECRET_LINKS if key in context}
        plain = {
            key: value
            for key, value in context.items()
            if isinstance(value, str | int) and key not in secrets and key not in {"key", "uid"}
        }
        queue_email(
            f"account/{name}",
            to=email,
            user_id=getattr(user, "pk", None),
            context=plain,
            secret_context=secrets,
        )

    def get_reset_password_from_key_url(self, key: str) -> str:
        return absolute_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        return absolute_url(super().get_email_confirmation_url(request, emailconfirmation))
