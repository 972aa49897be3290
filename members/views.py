import json
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from allauth.account.decorators import reauthentication_required
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from members import services
from members.directory import filter_form, listing_for
from members.filters import DirectoryFilter
from members.forms import (
    ConsentForm,
    DeleteAccountForm,
    EmailPreferencesForm,
    MilestoneForm,
    PhotoForm,
    ProfileForm,
    SelfDescriptionForm,
)
from members.models import CareerMilestone, Profile
from members.privacy import Viewer
from network.http import SignedInRequest, posted
from network.models import OPTIONAL_EMAIL_CATEGORIES, EmailOptOut, NetworkSettings

DIRECTORY_PAGE_SIZE = 30


def no_profile(request: SignedInRequest, status: int = 404) -> HttpResponse:
    """What an account without a member profile (the operator's) sees instead of one."""
    return render(request, "members/no_profile.html", status=status)


OwnProfileView = Callable[Concatenate[SignedInRequest, Profile, ...], HttpResponse]


def with_own_profile(view: OwnProfileView) -> Callable[..., HttpResponse]:
    """Sign-in required; the view gets the member's own profile, or the no-profile page is shown.

    Looking never creates a profile: an operator account has none and stays out of the directory.
    """

    @login_required
    @wraps(view)
    def with_profile(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        own = services.profile_for(request.user)
        if own is None:
            return no_profile(request)
        return view(request, own, *args, **kwargs)

    return with_profile


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    profile = services.profile_for(request.user)
    if profile is None:
        return no_profile(request, status=200)
    return render(
        request,
        "members/home.html",
        {
            "profile": profile,
            "completeness": profile.completeness(),
            "missing": profile.missing_fields(),
            "mfa_enabled": is_mfa_enabled(request.user),
        },
    )


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    return render(request, "members/account.html", {"mfa_enabled": is_mfa_enabled(request.user)})


@login_required
def directory(request: SignedInRequest) -> HttpResponse:
    found = DirectoryFilter(request.GET, queryset=Profile.objects.in_directory().as_cards())
    page = listing_for(request.GET, Viewer.of(request), lambda: found.qs, size=DIRECTORY_PAGE_SIZE)
    query = request.GET.copy()
    for position in ("page", "after", "before"):
        query.pop(position, None)
    categories = [
        (each.pk, each.name) for each in NetworkSettings.for_request(request).categories.all()
    ]
    return render(
        request,
        "members/directory.html",
        {
            "filter_form": filter_form(found.form, categories),
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def profile(request: SignedInRequest, pk: int) -> HttpResponse:
    shown = get_object_or_404(
        Profile.objects.select_related("category", "user"), pk=pk, user__is_active=True
    )
    return render(
        request,
        "members/profile.html",
        {
            "shown": shown,
            "visible": shown.visible_to(Viewer.of(request)),
            "is_own": shown.pk == request.user.pk,
        },
    )


@login_required
def photo(request: SignedInRequest, pk: int) -> FileResponse:
    shown = get_object_or_404(Profile, pk=pk, user__is_active=True)
    if not shown.visible_to(Viewer.of(request)).photo:
        raise Http404("No photo to show.")
    response = FileResponse(shown.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return response


@with_own_profile
def edit_profile(request: SignedInRequest, own: Profile) -> HttpResponse:
    form = ProfileForm(posted(request), instance=own)
    if request.method == "POST" and form.is_valid():
        services.save_profile(profile=form.save(commit=False))
        messages.success(request, "Your profile has been saved.")
        return redirect("members:profile", pk=own.pk)
    return render(request, "members/edit_profile.html", {"form": form})


@with_own_profile
def edit_photo(request: SignedInRequest, own: Profile) -> HttpResponse:
    form = PhotoForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.set_photo(profile=own, photo=form.cleaned_data["photo"])
        messages.success(request, "Your photo has been saved.")
        return redirect("members:profile", pk=own.pk)
    return render(request, "members/edit_photo.html", {"form": form, "profile": own})


@with_own_profile
@require_POST
def remove_photo(request: SignedInRequest, own: Profile) -> HttpResponse:
    services.remove_photo(profile=own)
    messages.success(request, "Your photo has been removed.")
    return redirect("members:edit_photo")


@with_own_profile
def milestones(request: SignedInRequest, own: Profile) -> HttpResponse:
    form = MilestoneForm(posted(request))
    if request.method == "POST" and form.is_valid():
        CareerMilestone.objects.create(profile=own, **form.cleaned_data)
        messages.success(request, "Your milestone has been added.")
        return redirect("members:milestones")
    return render(
        request,
        "members/milestones.html",
        {"form": form, "milestones": own.milestones.all(), "profile": own},
    )


@login_required
@require_POST
def remove_milestone(request: SignedInRequest, pk: int) -> HttpResponse:
    get_object_or_404(CareerMilestone, pk=pk, profile__user=request.user).delete()
    messages.success(request, "The milestone has been removed.")
    return redirect("members:milestones")


@with_own_profile
def self_description(request: SignedInRequest, own: Profile) -> HttpResponse:
    consented = services.has_sensitive_consent(request.user)
    characteristics = list(NetworkSettings.load().sensitive_characteristics.all())
    current = {
        d.characteristic_id: (d.description, d.visibility) for d in own.self_descriptions.all()
    }
    consent_form = ConsentForm()
    form = SelfDescriptionForm(
        request.POST if consented and request.method == "POST" else None,
        characteristics=characteristics,
        current=current,
    )
    if request.method == "POST" and consented and form.is_valid():
        services.save_self_descriptions(profile=own, entries=form.entries())
        messages.success(request, "Your self-description has been saved.")
        return redirect("members:self_description")
    return render(
        request,
        "members/self_description.html",
        {
            "consented": consented,
            "consent_form": consent_form,
            "form": form,
            "characteristics": characteristics,
            "wording_version": services.SENSITIVE_CONSENT_VERSION,
        },
    )


@login_required
@require_POST
def give_consent(request: SignedInRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "members/self_description.html",
            {
                "consented": False,
                "consent_form": form,
                "wording_version": services.SENSITIVE_CONSENT_VERSION,
            },
            status=400,
        )
    services.give_sensitive_consent(user=request.user)
    return redirect("members:self_description")


@login_required
@require_POST
def withdraw_consent(request: SignedInRequest) -> HttpResponse:
    services.withdraw_sensitive_consent(user=request.user)
    messages.success(
        request, "You have withdrawn your consent and we have deleted what you told us."
    )
    return redirect("members:self_description")


@login_required
def my_data(request: SignedInRequest) -> HttpResponse:
    return render(request, "members/my_data.html")


@login_required
def download_my_data(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(
        json.dumps(services.export_my_data(user=request.user), indent=2, default=str),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@login_required
def email_preferences(request: SignedInRequest) -> HttpResponse:
    address = request.user.email
    stopped = set(
        EmailOptOut.objects.filter(email__iexact=address).values_list("category", flat=True)
    )
    form = EmailPreferencesForm(
        posted(request),
        initial={"receive": [c.value for c in OPTIONAL_EMAIL_CATEGORIES if c not in stopped]},
    )
    if request.method == "POST" and form.is_valid():
        services.set_email_preferences(user=request.user, receive=form.cleaned_data["receive"])
        messages.success(request, "Your email choices have been saved.")
        return redirect("members:my_data")
    return render(request, "members/email_preferences.html", {"form": form})


@login_required
@reauthentication_required
def delete_account(request: SignedInRequest) -> HttpResponse:
    form = DeleteAccountForm(posted(request))
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(user=user, remove_posts=form.cleaned_data["remove_posts"])
        return render(request, "members/account_deleted.html")
    return render(request, "members/delete_account.html", {"form": form})
