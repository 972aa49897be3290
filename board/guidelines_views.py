"""The guidelines as everyone reads them, and the page where members accept a new version."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from board import guidelines
from board.models import GuidelinesVersion
from network.errors import Refused
from network.http import SignedInRequest, posted
from network.markdown import render_markdown


class AcceptForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label="I have read and accept the guidelines",
        error_messages={"required": "Tick the box to accept the guidelines."},
    )


def _page(request: HttpRequest, shown: GuidelinesVersion | None) -> HttpResponse:
    current = guidelines.current()
    return render(
        request,
        "board/guidelines/show.html",
        {
            "shown": shown,
            "body": render_markdown(shown.body) if shown else "",
            "is_current": shown is not None and current is not None and shown.pk == current.pk,
            "current": current,
            "versions": GuidelinesVersion.objects.published().only(
                "version", "title", "published_at"
            ),
        },
    )


def current(request: HttpRequest) -> HttpResponse:
    return _page(request, guidelines.current())


def version(request: HttpRequest, version: str) -> HttpResponse:
    shown = GuidelinesVersion.objects.published().filter(version=version).first()
    if shown is None:
        raise Http404("No published guidelines have this version.")
    return _page(request, shown)


def _next_page(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("members:home")


@login_required
def accept(request: SignedInRequest) -> HttpResponse:
    latest = guidelines.current()
    next_page = _next_page(request)
    if latest is None or not guidelines.needs_acceptance(request.user, request.session):
        return redirect(next_page)
    form = AcceptForm(posted(request), initial={"version": latest.version})
    if request.method == "POST" and form.is_valid():
        try:
            guidelines.accept(user=request.user, version_label=form.cleaned_data["version"])
        except Refused as refusal:
            # A newer version was published while the member read this one.
            messages.warning(request, refusal.message)
            return redirect(f"{reverse('guidelines_accept')}?{request.GET.urlencode()}")
        guidelines.remember_acceptance(request.session, latest)
        messages.success(request, f"Thank you. You accepted the guidelines ({latest.version}).")
        return redirect(next_page)
    return render(
        request,
        "board/guidelines/accept.html",
        {"form": form, "latest": latest, "next": next_page},
    )
