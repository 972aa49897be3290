"""Site-wide request handling: who the visitor is behind the proxy, and what may be cached."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


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
