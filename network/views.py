from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from network import health, mail
from network.middleware import PUBLIC_PAGES


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "network/landing.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "network/privacy.html")


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Each public page by its exact address ("$"), then nothing else: pages behind sign-in, an
    # invitation link or the board site say noindex as well, for crawlers that ignore this file.
    allowed = [f"Allow: {reverse(name)}$" for name in PUBLIC_PAGES]
    lines = ["User-agent: *", *allowed, "Disallow: /", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def provider_webhooks(provider: str) -> list[URLPattern]:
    """anymail's webhook URLs for the one provider the site sends through (EMAIL_PROVIDER).

    Every other provider's URLs stay unmounted (404): anymail builds a provider's view from that
    provider's settings, so an unconfigured one would answer 500. Only reports about sent mail
    (tracking) are heard; the site reads no inbound mail. The URLs are refused outright in
    production until a shared secret is set: anymail checks the secret (HTTP basic auth) when there
    is one, but without it would accept anyone's forged delivery and bounce reports.
    """

    def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not settings.DEBUG and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
                return HttpResponseForbidden("Set ANYMAIL_WEBHOOK_SECRET to accept reports.")
            return view(request, *args, **kwargs)

        return guarded_view

    # Mandrill's one combined URL is "mandrill_webhook"; every other provider's is
    # "<provider>_tracking_webhook".
    names = {f"{provider}_tracking_webhook", f"{provider}_webhook"} if provider else set()
    return [
        URLPattern(pattern.pattern, guarded(pattern.callback), pattern.default_args, pattern.name)
        for pattern in anymail_urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.name in names
    ]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    states = health.checks()
    healthy = all(state == health.OK for state in states.values())
    return JsonResponse(
        {"status": health.OK if healthy else "unavailable", "checks": states},
        status=200 if healthy else 503,
    )


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows the choice: mail scanners follow links, people press buttons.
    try:
        address, category = mail.read_unsubscribe_token(token)
    except (signing.BadSignature, KeyError, ValueError):
        return render(request, "network/unsubscribe_invalid.html", status=400)
    done = False
    if request.method == "POST":
        mail.unsubscribe(email=address, category=category)
        done = True
    return render(
        request,
        "network/unsubscribe.html",
        {"category": category, "done": done, "token": token},
    )
