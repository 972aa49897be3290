from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from invitations import services
from invitations.forms import (
    AcceptForm,
    EndorsementForm,
    InterestForm,
    MoreInfoForm,
    NominationForm,
)
from invitations.models import Application, Refusal
from network.errors import Refused
from network.http import SignedInRequest, posted

# The same words whatever the address turned out to be: this page must not tell a member
# whether the person they named is a member, invited or already waiting.
NOMINATION_RECEIVED = (
    "Thank you for your nomination. If they are not already a member or invited, we will tell "
    "them you nominated them, and the programme board will consider it."
)


def express_interest(request: HttpRequest) -> HttpResponse:
    form = InterestForm(posted(request))
    if request.method == "POST":
        # The limiter keys on a digest of whatever arrived, so any length of input is safe here.
        if services.rate_limited(
            ip=get_adapter(request).get_client_ip(request), email=request.POST.get("email", "")
        ):
            return render(request, "invitations/too_many.html", status=429)
        if form.is_robot():
            # Say nothing a robot could learn from; store nothing.
            return render(request, "invitations/interest_received.html")
        if form.is_valid():
            # One answer for every address: who is a member, invited or waiting is told by email.
            services.submit_interest(data=form.cleaned_data)
            return render(
                request, "invitations/interest_received.html", {"email": form.cleaned_data["email"]}
            )
    return render(request, "invitations/interest.html", {"form": form})


@login_required
def nominate(request: SignedInRequest) -> HttpResponse:
    form = NominationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if services.nominations_limited(member_id=request.user.pk):
            return render(
                request,
                "invitations/too_many_nominations.html",
                {"limit": services.NOMINATION_LIMIT},
                status=429,
            )
        services.nominate(nominator=request.user, data=form.cleaned_data)
        messages.success(request, NOMINATION_RECEIVED)
        return redirect("invitations:applications")
    return render(
        request, "invitations/nominate.html", {"form": form, "limit": services.NOMINATION_LIMIT}
    )


@login_required
def applications(request: SignedInRequest) -> HttpResponse:
    waiting = Application.objects.open_for_endorsement().order_by("name")
    endorsed = set(
        request.user.endorsements.filter(application__in=waiting).values_list(
            "application_id", flat=True
        )
    )
    return render(
        request, "invitations/applications.html", {"waiting": waiting, "endorsed": endorsed}
    )


def _open_for_endorsement(pk: int) -> Application:
    # Not found, rather than refused: members must not learn who is waiting unless the board
    # has opened the application to them.
    application = Application.objects.open_for_endorsement().filter(pk=pk).first()
    if application is None:
        raise Http404("No application open for endorsement.")
    return application


@login_required
def endorse(request: SignedInRequest, pk: int) -> HttpResponse:
    application = _open_for_endorsement(pk)
    form = EndorsementForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.endorse(
                application_id=application.pk, member=request.user, text=form.cleaned_data["text"]
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Thank you for endorsing {application.name}.")
            return redirect("invitations:applications")
    return render(request, "invitations/endorse.html", {"form": form, "application": application})


def _link_problem(request: HttpRequest, refusal: Refused) -> HttpResponse:
    return render(
        request, "invitations/link_problem.html", {"problem": refusal.message}, status=400
    )


def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = services.application_from_link(token, "invitations:withdraw")
        if request.method == "POST":
            services.withdraw(application_id=application.pk)
            return render(request, "invitations/withdrawn.html")
    except Refused as refusal:
        return _link_problem(request, refusal)
    return render(
        request, "invitations/withdraw.html", {"application": application, "token": token}
    )


def more_info(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = services.application_from_link(token, "invitations:more_info")
    except Refused as refusal:
        return _link_problem(request, refusal)
    form = MoreInfoForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.provide_more_info(
                application_id=application.pk, text=form.cleaned_data["text"]
            )
        except Refused as refusal:
            return _link_problem(request, refusal)
        return render(request, "invitations/more_info_received.html")
    return render(request, "invitations/more_info.html", {"form": form, "application": application})


# What a person holding an invitation link sees when it cannot be used: the code picks the
# words on invitations/invitation_problem.html and the status.
REFUSAL_PAGES: dict[Refusal, int] = {
    Refusal.INVITATION_USED: 410,
    Refusal.INVITATION_EXPIRED: 410,
    Refusal.INVITATION_REVOKED: 410,
    Refusal.INVITATION_UNKNOWN: 404,
    Refusal.MEMBER_ADDRESS: 409,
}


def _invitation_problem(request: HttpRequest, refusal: Refused) -> HttpResponse:
    return render(
        request,
        "invitations/invitation_problem.html",
        {"problem": refusal.code.value, "heading": refusal.message},
        status=REFUSAL_PAGES.get(Refusal(refusal.code.value), 410),
    )


def accept(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows this page: mail systems' link scanners must not use it up.
    invitation = services.find_invitation(token)
    if invitation is None:
        return _invitation_problem(request, Refused(Refusal.INVITATION_UNKNOWN))
    if problem := invitation.refusal(now=timezone.now()):
        return _invitation_problem(request, Refused(problem))
    form = AcceptForm(posted(request), email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(token=token, password=form.cleaned_data["password1"])
        except Refused as refusal:
            return _invitation_problem(request, refusal)
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, "Welcome. Your account is ready: check your profile below.")
        return redirect("members:edit_profile")
    return render(request, "invitations/accept.html", {"form": form, "invitation": invitation})
