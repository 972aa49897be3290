from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from network import health


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "network/landing.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "network/privacy.html")


def guidelines(request: HttpRequest) -> HttpResponse:
    return render(request, "network/guidelines.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    states = health.checks()
    healthy = all(state == health.OK for state in states.values())
    return JsonResponse(
        {"status": health.OK if healthy else "unavailable", "checks": states},
        status=200 if healthy else 503,
    )
