from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from invitations import services
from invitations.forms import (
    AcceptForm,
    EndorsementForm,
    InterestForm,
    MoreInfoForm,
    NominationForm,
)
from invitations.models import Application
from members.views import SignedInRequest, posted
from network.middleware import client_ip


def express_interest(request: HttpRequest) -> HttpResponse:
    form = InterestForm(posted(request))
    if request.method == "POST":
        ip = client_ip(request)
        if services.rate_limited(ip=ip, email=request.POST.get("email", "")):
            return render(request, "invitations/too_many.html", status=429)
        if form.is_robot():
            # Say nothing a robot could learn from; store nothing.
            return render(request, "invitations/interest_received.html")
        if form.is_valid():
            try:
                services.submit_interest(data=form.cleaned_data)
            except services.Refused as refusal:
                form.add_error("email", str(refusal))
            else:
                return render(
                    request,
                    "invitations/interest_received.html",
                    {"email": form.cleaned_data["email"]},
                )
    return render(request, "invitations/interest.html", {"form": form})


@login_required
def nominate(request: SignedInRequest) -> HttpResponse:
    form = NominationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.nominate(nominator=request.user, data=form.cleaned_data)
        except services.Refused as refusal:
            form.add_error("email", str(refusal))
        else:
            messages.success(
                request, "Thank you. We have told them, and the programme board will consider it."
            )
            return redirect("invitations:applications")
    return render(request, "invitations/nominate.html", {"form": form})


@login_required
def applications(request: SignedInRequest) -> HttpResponse:
    waiting = Application.objects.filter(status=Application.Status.PENDING).order_by("name")
    endorsed = set(
        request.user.endorsements.filter(application__in=waiting).values_list(
            "application_id", flat=True
        )
    )
    return render(
        request, "invitations/applications.html", {"waiting": waiting, "endorsed": endorsed}
    )


@login_required
def endorse(request: SignedInRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk, status=Application.Status.PENDING)
    form = EndorsementForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.endorse(
                application=application, member=request.user, text=form.cleaned_data["text"]
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Thank you for endorsing {application.name}.")
            return redirect("invitations:applications")
    return render(request, "invitations/endorse.html", {"form": form, "application": application})


def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = services.application_from_link(token, "invitations:withdraw")
        if request.method == "POST":
            services.withdraw(application_id=application.pk)
            return render(request, "invitations/withdrawn.html")
    except services.Refused as refusal:
        return render(request, "invitations/link_problem.html", {"problem": refusal}, status=400)
    return render(
        request, "invitations/withdraw.html", {"application": application, "token": token}
    )


def more_info(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = services.application_from_link(token, "invitations:more_info")
    except services.Refused as refusal:
        return render(request, "invitations/link_problem.html", {"problem": refusal}, status=400)
    form = MoreInfoForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.provide_more_info(
                application_id=application.pk, text=form.cleaned_data["text"]
            )
        except services.Refused as refusal:
            return render(
                request, "invitations/link_problem.html", {"problem": refusal}, status=400
            )
        return render(request, "invitations/more_info_received.html")
    return render(request, "invitations/more_info.html", {"form": form, "application": application})


REFUSAL_PAGES = {
    "used": "This invitation has already been used",
    "expired": "This invitation has expired",
    "revoked": "This invitation has been withdrawn",
    "unknown": "We do not recognise this invitation link",
}


def accept(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows this page: mail systems' link scanners must not use it up.
    invitation = services.find_invitation(token)
    problem = "unknown" if invitation is None else invitation.refusal()
    if invitation is None or problem is not None:
        problem = problem or "unknown"
        return render(
            request,
            "invitations/invitation_problem.html",
            {"problem": problem, "heading": REFUSAL_PAGES[problem]},
            status=404 if invitation is None else 410,
        )
    form = AcceptForm(posted(request), email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except services.Refused as refusal:
            problem = str(refusal)
            return render(
                request,
                "invitations/invitation_problem.html",
                {"problem": problem, "heading": REFUSAL_PAGES.get(problem, problem)},
                status=410,
            )
        messages.success(request, "Welcome. Your account is ready: check your profile below.")
        return redirect("members:edit_profile")
    return render(request, "invitations/accept.html", {"form": form, "invitation": invitation})
