from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from django.http import HttpRequest

from network.links import absolute_url, site_domain
from network.models import NetworkSettings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Membership is by invitation only; nobody can create an account on their own.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth's mail names "the site"; ours names the network.
        site = SimpleNamespace(name=NetworkSettings.load().name, domain=site_domain())
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def get_reset_password_from_key_url(self, key: str) -> str:
        return absolute_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(
        self, request: HttpRequest, emailconfirmation: EmailConfirmation
    ) -> str:
        return absolute_url(super().get_email_confirmation_url(request, emailconfirmation))
