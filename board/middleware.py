"""Members accept the current guidelines before they use the network."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from board import guidelines

# What a member may still reach before accepting: their own account and data (to read, download
# or delete what the network holds, or to leave), signing in and out, the guidelines themselves,
# the privacy notice, the email stop link, the health check, and static and uploaded files. The
# board site stays open too: board members must accept like everyone else before using the
# members' pages, but the board must be able to run the network (and correct a version it
# published) meanwhile.
OPEN_PATHS = (
    "/account/",
    "/my-data/",
    "/accounts/",
    "/guidelines/",
    "/privacy/",
    "/email/stop/",
    "/healthz",
    "/board/",
)


class GuidelinesMiddleware:
    """Send a signed-in member who has not accepted the current guidelines to accept them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.open_paths = (*OPEN_PATHS, settings.STATIC_URL, settings.MEDIA_URL)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and not request.path_info.startswith(self.open_paths)
            and guidelines.needs_acceptance(user, request.session)
        ):
            accept = reverse("guidelines_accept")
            return redirect(f"{accept}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
