from collections.abc import Callable
from functools import partial, wraps
from typing import Any, cast

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.db.models.base import ModelBase
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from board import impact
from board.queue import work_queue
from members.privacy import passed_mfa
from network.http import is_record_id


def is_board_member(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_staff and user.is_board_member)


def offered_lookups_only(model_admin: admin.ModelAdmin) -> Callable[..., bool]:
    """A list's lookup check that allows only the filters the list offers.

    Django lets an address filter a list by any of the model's own fields, so a count of
    "1 email" for `?secret_context__password_reset_url__startswith=h…` would spell out a link
    waiting in the outbox one letter at a time. Here the list's own filters are the only way in.
    """
    django_allows = model_admin.lookup_allowed

    def lookup_allowed(lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        offered: set[object] = {model_admin.date_hierarchy}
        for item in model_admin.get_list_filter(request) if request else model_admin.list_filter:
            if isinstance(item, str):
                offered.add(item)
            elif isinstance(item, tuple | list):
                offered.add(item[0])
            else:
                offered.add(getattr(item, "parameter_name", None))
        first = lookup.split(LOOKUP_SEP)[0]
        return first in offered and django_allows(lookup, value, request)

    return lookup_allowed


class BoardAdminSite(admin.AdminSite):
    """The admin site, as the programme board sees it: only board members who use MFA get in."""

    site_header = "Programme board"
    site_title = "Programme board"
    index_title = "Run the network"
    # The board's home opens on what waits for a decision, then the usual list of records.
    index_template = "admin/work_queue.html"

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        # "View site" leads board members back to their home page on the members' site.
        return {**super().each_context(request), "site_url": reverse("members:home")}

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        queues = work_queue(self, now=timezone.now())
        return super().index(request, {"work_queue": queues, **(extra_context or {})})

    def get_urls(self) -> list[URLPattern | URLResolver]:
        impact_page = partial(impact.impact_view, each_context=self.each_context)
        return [
            path("impact/", self.admin_view(impact_page), name="impact"),
            path("impact.csv", self.admin_view(impact.impact_csv), name="impact_csv"),
            *super().get_urls(),
        ]

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        super().register(model_or_iterable, admin_class, **options)
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            # Swapped models (Django's own User) are skipped by register and have no admin here.
            if model_admin := self._registry.get(cast(type[Model], model)):
                model_admin.lookup_allowed = offered_lookups_only(model_admin)  # type: ignore[method-assign]

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def refuse_forged_selections(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            # Every record on the board site has a whole-number id that fits a 64-bit column;
            # anything else in a list's selection was not made by the list, and the database
            # would fail on it with an error page.
            selected = (
                request.POST.getlist(ACTION_CHECKBOX_NAME) if request.method == "POST" else []
            )
            if not all(is_record_id(value) for value in selected):
                return HttpResponseBadRequest("Choose records from the list, then try again.")
            return guarded(request, *args, **kwargs)

        return refuse_forged_selections

    def has_permission(self, request: HttpRequest) -> bool:
        # The board site shows what members showed the board only: a password is not enough.
        return is_board_member(request) and passed_mfa(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Signing in happens on the site's own page (allauth: rate limits, MFA); this view only
        # decides what a signed-in person may do next.
        return secure_admin_login(self._after_sign_in)(request, extra_context)

    def _after_sign_in(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not is_board_member(request):
            raise PermissionDenied
        if not is_mfa_enabled(request.user):
            messages.info(
                request,
                "Set up two-factor authentication first. The board site opens once it is on.",
            )
            return redirect("mfa_activate_totp")
        if not passed_mfa(request):
            messages.info(
                request, "Enter a code from your authenticator app to open the board site."
            )
            return redirect(
                f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}"
            )
        return super().login(request, extra_context)
