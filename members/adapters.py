import ipaddress
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailConfirmation
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.suspension import current_suspension
from network.links import absolute_url
from network.mail import queue_email

# Links and codes in allauth's mail that let the holder into an account.
SECRET_LINKS = ("password_reset_url", "activate_url", "code")


def _address(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def _client_ip(request: HttpRequest) -> str:
    """The visitor's address, read the way allauth's own rate limits read it.

    Behind the proxy every connection comes from the proxy, which appends the address it saw to
    X-Forwarded-For. Entries further left were written by the visitor and prove nothing, so the
    address is the one `ALLAUTH_TRUSTED_PROXY_COUNT` hops from the right; with no trusted proxy
    (the local default) the header is ignored. Where a trusted proxy sets a single header instead
    (`ALLAUTH_TRUSTED_CLIENT_IP_HEADER`), that header is the answer.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    header = getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None)
    if header:
        return _address(request.headers.get(header)) or remote
    count = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0))
    forwarded = [hop for hop in request.headers.get("x-forwarded-for", "").split(",") if hop]
    if count <= 0 or not forwarded:
        return remote
    # Fewer hops than proxies means the request skipped the outer ones: the leftmost hop was
    # then written by the first proxy it met, not by the visitor.
    return _address(forwarded[-min(count, len(forwarded))]) or remote


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading answers an error page when a request carries fewer forwarded
        # hops than there are trusted proxies; this one falls back to the connection's address.
        return _client_ip(request)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Membership is by invitation only; nobody can create an account on their own.
        return False

    def respond_user_inactive(self, request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
        # allauth asks this only once the password has proved right (its backend stashes an
        # inactive account only after checking it), so only the account holder learns why.
        suspension = current_suspension(user)
        if suspension is None:
            return render(request, "account/account_inactive.html")
        return render(request, "account/suspended.html", {"ends_at": suspension.ends_at})

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
