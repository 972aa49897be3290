"""Members' pages for conduct reports: raise a concern from a member's profile or an event's
page, see the concerns you raised, and appeal against a decision about you."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from board import reports
from board.forms import AppealForm, ConcernForm
from board.models import Appeal, Report
from discussions.queries import visible_posts
from events.models import Event
from members.models import Profile, User
from members.services import profile_for
from network.errors import Refused
from network.http import SignedInRequest, posted


def _concern(
    request: SignedInRequest,
    *,
    subject: str,
    about: str,
    back: str,
    member: User | None = None,
    target: Model | None = None,
) -> HttpResponse:
    form = ConcernForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_concern(
                reporter=request.user,
                subject=subject,
                member=member,
                target=target,
                **form.cleaned_data,
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("board:received")
    return render(request, "board/concern.html", {"form": form, "about": about, "back": back})


@login_required
def report_member(request: SignedInRequest, pk: int) -> HttpResponse:
    shown = get_object_or_404(Profile.objects.select_related("user"), pk=pk, user__is_active=True)
    return _concern(
        request,
        subject=Report.Subject.MEMBER,
        about=shown.display_name,
        back=reverse("members:profile", args=[shown.pk]),
        member=shown.user,
    )


@login_required
def report_event(request: SignedInRequest, pk: int) -> HttpResponse:
    visible = Event.objects.published().open_to(profile_for(request.user))
    event = get_object_or_404(visible, pk=pk)
    return _concern(
        request,
        subject=Report.Subject.EVENT,
        about=event.title,
        back=reverse("events:detail", args=[event.pk]),
        target=event,
    )


@login_required
def report_post(request: SignedInRequest, pk: int) -> HttpResponse:
    """A concern about a post, from the post itself; its author is the member concerned. A post
    the member cannot read does not exist for them."""
    readable = visible_posts(request.user).filter(
        removed_by_author_at__isnull=True, hidden_at__isnull=True
    )
    post = get_object_or_404(readable.select_related("topic", "author"), pk=pk)
    back = reverse("discussions:topic", args=[post.topic_id]) + f"#post-{post.pk}"
    if post.author_id == request.user.pk:
        messages.error(request, reports.Refusal.OWN_POST.label)
        return redirect(back)
    return _concern(
        request,
        subject=Report.Subject.POST,
        about=post.topic.title,
        back=back,
        target=post,
    )


@login_required
def received(request: SignedInRequest) -> HttpResponse:
    return render(request, "board/received.html")


@login_required
def your_reports(request: SignedInRequest) -> HttpResponse:
    raised = list(
        Report.objects.filter(reporter=request.user).select_related("member").order_by("-pk")
    )
    events = Event.objects.in_bulk(
        [r.target_id for r in raised if r.subject == Report.Subject.EVENT]
    )
    for report in raised:
        event = events.get(report.target_id) if report.subject == Report.Subject.EVENT else None
        report.about = (  # type: ignore[attr-defined]
            event.title if event else (report.member.name if report.member else "")
        ) or report.get_subject_display()
    return render(request, "board/reports.html", {"reports": raised})


def appeal(request: HttpRequest, token: str) -> HttpResponse:
    """The page the decision's email links to. It works without signing in, as a suspended or
    removed member cannot sign in: the link, sent only to the member, is the key."""
    try:
        resolution = reports.resolution_from_token(token)
    except Refused as refusal:
        return render(
            request, "invitations/link_problem.html", {"problem": refusal.message}, status=400
        )
    made = Appeal.objects.filter(resolution=resolution).first()
    form = AppealForm(posted(request))
    if request.method == "POST" and made is None and form.is_valid():
        member = resolution.report.member
        try:
            if member is None:
                raise Refused(reports.Refusal.NOT_APPEALABLE)
            reports.appeal(resolution=resolution, member=member, text=form.cleaned_data["text"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("board:appeal", token=token)
    return render(
        request,
        "board/appeal.html",
        {
            "resolution": resolution,
            "appeal": made,
            "form": form,
            "open": timezone.now() <= reports.appeal_window_ends(resolution),
            "appeal_by": reports.appeal_window_ends(resolution),
        },
    )
