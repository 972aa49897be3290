"""Site-wide request handling: who the visitor is behind the proxy, and what may be cached."""

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

# Pages reached by a secret link, or that belong to an account or the board, whoever asks.
PRIVATE_PATHS = (
    "/invitation/",
    "/join/more/",
    "/join/withdraw/",
    "/email/stop/",
    "/accounts/",
    "/board/",
    "/my-data/",
)


def _address(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
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


class PrivateCacheMiddleware:
    """Private pages tell browsers and proxies to keep no copy: `Cache-Control: private, no-store`.

    A shared computer's back button, a proxy's cache or a browser's disk must not hold a member's
    pages, an export or a page reached by an invitation link. That covers every response to a
    signed-in member and every page under PRIVATE_PATHS; a view that chose its own caching (a
    photo, the health check) keeps it. Public pages for visitors stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(PRIVATE_PATHS):
            patch_cache_control(response, private=True, no_store=True)
        return response
