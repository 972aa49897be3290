"""Site-wide request handling: each request's id, and what browsers and proxies may keep a copy
of."""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

# The proxy's id for a request (nginx's $request_id is 32 hex digits), taken only when it looks
# like one: the id is written into logs and the audit log, so it must not carry anything else.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"

_request_id: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    """The id of the request being answered, or "" outside one (a task, a command)."""
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each request one id, shared by its log lines, its audit entries and the response's
    X-Request-ID header, so a board member's "this went wrong" can be matched with the logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            # A worker thread answers many requests: the next one must not inherit this id.
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


# The pages that tell people who qualify what the network is and how to join: the only ones a
# search engine may list (robots.txt names them too).
PUBLIC_PAGES = ("landing", "guidelines", "privacy", "invitations:interest")


class SearchEngineMiddleware:
    """Keeps everything but the public pages out of search engines.

    Each view learns before it runs whether its page may be listed (`request.indexable`, which
    the base template reads to describe the page or ask not to be listed); every other answer,
    a download or a redirect included, says `X-Robots-Tag: noindex`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not getattr(request, "indexable", False):
            response.setdefault("X-Robots-Tag", "noindex")
        return response

    def process_view(self, request: HttpRequest, *args: object) -> None:
        match = request.resolver_match
        request.indexable = match is not None and match.view_name in PUBLIC_PAGES  # type: ignore[attr-defined]


# Pages reached by a secret link, or that belong to an account or the board, whoever asks.
PRIVATE_PATHS = (
    "/invitation/",
    "/join/more/",
    "/join/withdraw/",
    "/email/stop/",
    "/accounts/",
    "/board/",
    "/my-data/",
    "/reports/",
)


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
