"""Conduct reports and appeals on the board site: the queue, a report with the member's record,
and the decisions, each made through board.reports."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from board import reports
from board.forms import AppealDecisionForm, ConflictForm, EscalateForm, ResolutionForm
from board.models import Appeal, Report, Resolution
from discussions.models import Post, author_name
from network.admin import RecordAdmin
from network.errors import Refused
from network.http import posted


def _form_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, title: str, form: Any, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/board/form_page.html",
        {**model_admin.admin_site.each_context(request), "title": title, "form": form, **context},
    )


def waiting_first(waiting: str) -> list[Any]:
    """The queue first: what waits for a decision, oldest first, then the rest."""
    order = Case(When(status=waiting, then=Value(0)), default=Value(1), output_field=IntegerField())
    return [order.asc(), "created_at"]


def _post_state(post: Post, report: Report) -> str:
    if post.removed_by_author_at is not None:
        return "Its author has since removed it: its words are gone."
    if post.hidden_at is not None:
        return f"Hidden by the board on {post.hidden_at:%-d %B %Y}: {post.hidden_reason}"
    if post.edited_at is not None and post.edited_at > report.created_at:
        return f"Edited by its author after it was reported, on {post.edited_at:%-d %B %Y}."
    if post.edited_at is not None:
        return "Edited by its author before it was reported."
    return "Not edited since it was written."


def reported_post(report: Report) -> str:
    """The post as it is now, with the topic it is in and what has happened to it since. Only
    the board sees this page; nothing of it is copied onto the report."""
    found = Post.objects.select_related("topic", "author").filter(pk=report.target_id or 0)
    post = found.first()
    if post is None:
        return f"post {report.target_id}, no longer held"
    return format_html(
        '<p>A post by <a href="{}">{}</a> in the topic <a href="{}">{}</a>. '
        '<a href="{}">See the post</a> or <a href="{}">where members read it</a>.</p>'
        "<p>{}</p><blockquote>{}</blockquote>",
        reverse("admin:members_user_change", args=[post.author_id]),
        author_name(post.author),
        reverse("admin:discussions_topic_change", args=[post.topic_id]),
        post.topic.title,
        reverse("admin:discussions_post_change", args=[post.pk]),
        reverse("discussions:topic", args=[post.topic_id]) + f"#post-{post.pk}",
        _post_state(post, report),
        linebreaksbr(post.body, autoescape=True),
    )


@admin.register(Report)
class ReportAdmin(RecordAdmin):
    """Reports are the members' words: the board reads them and decides, never edits them."""

    list_display = ["__str__", "waiting", "subject", "member", "reason", "status"]
    list_filter = ["status", "subject", "reason"]
    list_select_related = ["member"]
    fields = readonly_fields = (
        "status",
        "created_at",
        "reporter",
        "subject",
        "concerns",
        "reason",
        "details",
        "evidence",
        "conflicts_declared",
        "decision",
        "record",
    )
    change_form_template = "admin/board/report/change_form.html"

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return waiting_first(Report.Status.OPEN)

    @admin.display(description="age", ordering="created_at")
    def waiting(self, report: Report) -> str:
        return timesince(report.created_at, timezone.now())

    @admin.display(description="about")
    def concerns(self, report: Report) -> str:
        if report.target_type == "events.Event":
            url = reverse("admin:events_event_change", args=[report.target_id])
            return format_html('Event <a href="{}">{}</a>', url, report.target_id)
        if report.target_type == "discussions.Post":
            return reported_post(report)
        if report.member is None:
            return f"{report.target_type} {report.target_id}"
        url = reverse("admin:members_user_change", args=[report.member_id])
        return format_html('<a href="{}">{}</a>', url, report.member)

    @admin.display(description="evidence link")
    def evidence(self, report: Report) -> str:
        if not report.evidence_link:
            return "none given"
        # Shown as text, not a link: the board copies it knowingly rather than following a
        # member's link with a board session.
        return report.evidence_link

    @admin.display(description="conflicts of interest")
    def conflicts_declared(self, report: Report) -> str:
        conflicts = report.conflicts.select_related("board_member")
        return (
            format_html_join("", "<p>{}: {}</p>", ((c.board_member, c.reason) for c in conflicts))
            or "none declared"
        )

    @admin.display(description="decision")
    def decision(self, report: Report) -> str:
        resolution = Resolution.objects.filter(report=report).select_related("decided_by").first()
        if resolution is None:
            return "waiting for a decision"
        appeal = Appeal.objects.filter(resolution=resolution).first()
        return format_html(
            "<p><strong>{}</strong> by {} on {}</p><p>{}</p><p>{}</p>",
            resolution.get_outcome_display(),
            resolution.decided_by,
            resolution.decided_at.strftime("%-d %B %Y"),
            resolution.reason,
            f"Appeal: {appeal.get_status_display().lower()}" if appeal else "No appeal",
        )

    @admin.display(description="the member's record")
    def record(self, report: Report) -> str:
        if report.member_id is None:
            return "about an event, not a member"
        earlier = (
            Report.objects.filter(member_id=report.member_id)
            .exclude(pk=report.pk)
            .select_related("resolution")
            .order_by("-created_at")
        )
        rows = [
            (
                reverse("admin:board_report_change", args=[other.pk]),
                other,
                other.created_at.strftime("%-d %B %Y"),
                other.get_reason_display(),
                other.resolution.get_outcome_display()
                if hasattr(other, "resolution")
                else "waiting for a decision",
            )
            for other in earlier
        ]
        if not rows:
            return "no other reports about this member"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li><a href="{}">{}</a>, {}: {} ({})</li>', rows),
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # A reported post the board can still hide gets a link to do so.
        hideable = (
            Post.objects.filter(
                pk__in=Report.objects.filter(pk=object_id, target_type="discussions.Post").values(
                    "target_id"
                ),
                hidden_at__isnull=True,
                removed_by_author_at__isnull=True,
            ).first()
            if object_id.isdigit()
            else None
        )
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "hideable_post": hideable}
        )

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="board_report_decide",
            ),
            path(
                "escalate/<int:post_pk>/",
                self.admin_site.admin_view(self.escalate_view),
                name="board_report_escalate",
            ),
            path(
                "<int:pk>/conflict/",
                self.admin_site.admin_view(self.conflict_view),
                name="board_report_conflict",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        form = ResolutionForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                reports.resolve(
                    report=report,
                    board_member=request.user,  # type: ignore[arg-type]
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                    until=form.until_moment(),
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "Your decision has been recorded and carried out.")
                return redirect("admin:board_report_change", pk)
        return _form_page(
            self,
            request,
            f"Decide on report {report.pk}",
            form,
            report=report,
            back=reverse("admin:board_report_change", args=[pk]),
            button="Record the decision",
        )

    def escalate_view(self, request: HttpRequest, post_pk: int) -> HttpResponse:
        """From a post, the board opens a conduct report about its author."""
        post = get_object_or_404(Post.objects.select_related("topic", "author"), pk=post_pk)
        back = reverse("admin:discussions_post_change", args=[post.pk])
        if waiting := reports.open_report_about(post):
            messages.info(request, "A report about this post is already waiting: decide that one.")
            return redirect("admin:board_report_change", waiting.pk)
        form = EscalateForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                report = reports.escalate_post(
                    board_member=request.user,  # type: ignore[arg-type]
                    post=post,
                    **form.cleaned_data,
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request,
                    "The report is open. Another board member decides it, as you raised it.",
                )
                return redirect("admin:board_report_change", report.pk)
        return _form_page(
            self,
            request,
            f"Open a conduct report about the author of post {post.pk}",
            form,
            back=back,
            back_label="the post",
            button="Open the report",
        )

    def conflict_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        form = ConflictForm(posted(request))
        if request.method == "POST" and form.is_valid():
            reports.declare_conflict(
                report=report,
                board_member=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Your conflict of interest has been recorded.")
            return redirect("admin:board_report_change", pk)
        return _form_page(
            self,
            request,
            f"Declare a conflict of interest: report {report.pk}",
            form,
            report=report,
            back=reverse("admin:board_report_change", args=[pk]),
            button="Declare the conflict",
        )


@admin.register(Appeal)
class AppealAdmin(RecordAdmin):
    list_display = ["__str__", "status", "reviewer_or_queue", "created_at"]
    list_filter = ["status"]
    list_select_related = ["reviewer", "resolution"]
    fields = readonly_fields = (
        "report",
        "outcome",
        "text",
        "reviewer_or_queue",
        "status",
        "response",
        "created_at",
        "decided_at",
    )
    change_form_template = "admin/board/appeal/change_form.html"

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return waiting_first(Appeal.Status.OPEN)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appeal]:
        return super().get_queryset(request).select_related("resolution", "reviewer")

    @admin.display(description="reviewer")
    def reviewer_or_queue(self, appeal: Appeal) -> str:
        # No board member was free of the decision and of conflicts: any such member may take it.
        return (
            str(appeal.reviewer)
            if appeal.reviewer_id
            else "nobody assigned: any board member who did not decide"
        )

    @admin.display(description="report")
    def report(self, appeal: Appeal) -> str:
        report_id = appeal.resolution.report_id
        url = reverse("admin:board_report_change", args=[report_id])
        return format_html('<a href="{}">Report {}</a>', url, report_id)

    @admin.display(description="decision appealed")
    def outcome(self, appeal: Appeal) -> str:
        return appeal.resolution.get_outcome_display()

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="board_appeal_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        appeal = get_object_or_404(Appeal.objects.select_related("resolution"), pk=pk)
        form = AppealDecisionForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                reports.decide_appeal(
                    appeal=appeal,
                    board_member=request.user,  # type: ignore[arg-type]
                    status=form.cleaned_data["status"],
                    response=form.cleaned_data["response"],
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "The appeal is decided and the member has been told.")
                return redirect("admin:board_appeal_change", pk)
        return _form_page(
            self,
            request,
            f"Decide the appeal on report {appeal.resolution.report_id}",
            form,
            appeal=appeal,
            back=reverse("admin:board_appeal_change", args=[pk]),
            button="Record the decision",
        )
