from typing import Any

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join

from invitations import services
from invitations.forms import ConflictForm, DecisionForm, DirectInviteForm
from invitations.models import Application, Decision, Endorsement, Invitation
from members.privacy import BOARD_SITE
from network import vetting
from network.admin import RecordAdmin
from network.http import posted
from network.models import OutboundEmail
from network.spreadsheets import csv_response


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EndorsementInline(ReadOnlyInline):
    model = Endorsement
    fields = readonly_fields = ("member", "text", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Endorsement]:
        return super().get_queryset(request).select_related("member")


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = readonly_fields = ("board_member", "verdict", "reason", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Decision]:
        return super().get_queryset(request).select_related("board_member")


class DuplicateInline(ReadOnlyInline):
    """What arrived again for the same address while this application was open."""

    model = Application
    fk_name = "duplicate_of"
    verbose_name = "received again for this address"
    verbose_name_plural = "received again for this address"
    show_change_link = True
    fields = readonly_fields = (
        "source", "nominated_by", "status", "created_at", "name", "job_title", "organisation",
        "career_aspiration", "mentoring_evidence",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return super().get_queryset(request).select_related("nominated_by")


def mentoring_record(member: Any) -> str:
    profile = getattr(member, "profile", None)
    offer = profile.visible_to(BOARD_SITE).mentoring_offer if profile else ""
    return offer or "no mentoring offer shown to the board"


@admin.register(Application)
class ApplicationAdmin(RecordAdmin):
    # What applicants wrote is their record; the board acts through decisions.
    list_display = ["name", "job_title", "organisation", "source", "status", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["name", "email", "organisation"]
    inlines = [EndorsementInline, DecisionInline, DuplicateInline]
    actions = ["open_for_endorsement"]
    readonly_fields = [
        "reputation_summary", "status", "source", "nominated_by", "created_at", "duplicate_of",
        "endorsements_open_at",
    ]  # fmt: skip
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "status",
                    "source",
                    "nominated_by",
                    "created_at",
                    "duplicate_of",
                    "endorsements_open_at",
                ]
            },
        ),
        (
            "Who they are",
            {"fields": ["name", "email", "job_title", "organisation", "profession", "region"]},
        ),
        (
            "Aspiration and mentoring",
            {"fields": ["career_aspiration", "mentoring_evidence", "current_mentees", "referee"]},
        ),
        ("More information", {"fields": ["more_info_request", "more_info_response"]}),
        ("Reputation summary", {"fields": ["reputation_summary"]}),
    ]
    change_form_template = "admin/invitations/application/change_form.html"
    change_list_template = "admin/invitations/application/change_list.html"

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # The queue first: what waits for a decision, oldest first.
        queue = Case(
            When(status=Application.Status.PENDING, then=Value(0)),
            When(status=Application.Status.MORE_INFO, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return [queue.asc(), "created_at"]

    @admin.display(description="Reputation summary")
    def reputation_summary(self, application: Application) -> str:
        nominator = application.nominated_by
        endorsements = list(application.endorsements.select_related("member__profile"))
        people = [endorsement.member for endorsement in endorsements]
        # What the apps know of each person's record (mentoring's, for one), asked once for all.
        records = vetting.reputation_of([p.pk for p in [nominator, *people] if p is not None])

        def about(member: Any) -> str:
            parts = [mentoring_record(member)]
            parts += [f"{label}: {line}" for label, line in records.get(member.pk, [])]
            return "; ".join(parts)

        lines = [
            ("Declared mentoring record", application.mentoring_evidence or "none given"),
            ("People mentored now", str(application.current_mentees)),
            (
                "Nominated by",
                f"{nominator} ({about(nominator)})" if nominator else "not nominated",
            ),
        ]
        for endorsement in endorsements:
            lines.append(
                (
                    f"Endorsed by {endorsement.member}",
                    f"“{endorsement.text}” (their mentoring: {about(endorsement.member)})",
                )
            )
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt><strong>{}</strong></dt><dd>{}</dd>", lines),
        )

    @admin.action(description="Open the selected applications for endorsement by members")
    def open_for_endorsement(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        opened = 0
        for application in queryset:
            try:
                services.open_for_endorsement(application_id=application.pk, by=request.user)  # type: ignore[arg-type]
                opened += 1
            except services.Refused as refusal:
                self.message_user(request, f"{application.name}: {refusal}", messages.WARNING)
        self.message_user(
            request, f"{opened} application(s) opened for endorsement.", messages.SUCCESS
        )

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="invitations_application_decide",
            ),
            path(
                "<int:pk>/conflict/",
                self.admin_site.admin_view(self.conflict_view),
                name="invitations_application_conflict",
            ),
            path(
                "decisions.csv",
                self.admin_site.admin_view(self.decision_log),
                name="invitations_decision_log",
            ),
            path(
                "invite/",
                self.admin_site.admin_view(self.invite_view),
                name="invitations_invite_directly",
            ),
            path("tree/", self.admin_site.admin_view(self.tree_view), name="invitations_tree"),
        ]
        return extra + super().get_urls()

    def _page(
        self, request: HttpRequest, title: str, form: Any, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/invitations/form_page.html",
            {**self.admin_site.each_context(request), "title": title, "form": form, **context},
        )

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(Application, pk=pk)
        form = DecisionForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.decide(
                    application_id=pk,
                    board_member=request.user,  # type: ignore[arg-type]
                    verdict=form.cleaned_data["verdict"],
                    reason=form.cleaned_data["reason"],
                )
            except services.Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "Your decision has been recorded.")
                return redirect("admin:invitations_application_change", pk)
        return self._page(request, f"Decide on {application.name}", form, application=application)

    def conflict_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        application = get_object_or_404(Application, pk=pk)
        form = ConflictForm(posted(request))
        if request.method == "POST" and form.is_valid():
            services.declare_conflict(
                application=application,
                board_member=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Your conflict of interest has been recorded.")
            return redirect("admin:invitations_application_change", pk)
        return self._page(
            request,
            f"Declare a conflict of interest: {application.name}",
            form,
            application=application,
        )

    def invite_view(self, request: HttpRequest) -> HttpResponse:
        form = DirectInviteForm(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.invite_directly(data=form.cleaned_data, invited_by=request.user)  # type: ignore[arg-type]
            except services.Refused as refusal:
                form.add_error("email", str(refusal))
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("admin:invitations_invitation_changelist")
        return self._page(request, "Invite someone directly", form)

    def decision_log(self, request: HttpRequest) -> HttpResponse:
        decisions = Decision.objects.select_related("application", "board_member")
        return csv_response(
            "decision-log.csv",
            ["date", "application", "applicant", "board member", "decision", "reason"],
            (
                [
                    decision.created_at.isoformat(),
                    decision.application_id,
                    decision.application.name,
                    decision.board_member or "",
                    decision.get_verdict_display(),
                    decision.reason,
                ]
                for decision in decisions
            ),
        )

    def tree_view(self, request: HttpRequest) -> TemplateResponse:
        invitations = Invitation.objects.select_related(
            "invited_by", "member", "application__nominated_by"
        ).order_by("created_at")
        return TemplateResponse(
            request,
            "admin/invitations/tree.html",
            {
                **self.admin_site.each_context(request),
                "title": "Who brought whom",
                "invitations": invitations,
            },
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "status",
        "delivery",
        "sent_at",
        "expires_at",
        "reminded_at",
        "invited_by",
    ]
    list_filter = ["status"]
    list_select_related = ["invited_by"]
    search_fields = ["email"]
    actions = ["resend", "revoke"]
    fields = readonly_fields = (
        "email",
        "status",
        "application",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "reminded_at",
        "accepted_at",
        "member",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        # The latest invitation email's status, read with the list rather than once a row.
        latest_email = (
            OutboundEmail.objects.filter(template="invitations/invitation")
            .annotate(invitation_id=Cast(KT("context__invitation_id"), IntegerField()))
            .filter(invitation_id=OuterRef("pk"))
            .order_by("-created_at")
            .values("status")[:1]
        )
        return super().get_queryset(request).annotate(delivery_status=Subquery(latest_email))

    @admin.display(description="Email delivery")
    def delivery(self, invitation: Invitation) -> str:
        status = getattr(invitation, "delivery_status", None)
        return str(OutboundEmail.Status(status).label) if status else "-"

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Invitation], verb: Any, done: str
    ) -> None:
        count = 0
        for invitation in queryset:
            try:
                verb(invitation_id=invitation.pk, by=request.user)
                count += 1
            except services.Refused as refusal:
                self.message_user(request, f"{invitation.email}: {refusal}", messages.WARNING)
        self.message_user(request, f"{count} invitation(s) {done}.", messages.SUCCESS)

    @admin.action(
        description="Send a new link with a fresh expiry (the old link stops working)",
        permissions=["change"],
    )
    def resend(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        self._each(request, queryset, services.resend, "sent again")

    @admin.action(description="Revoke the selected invitations", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        self._each(request, queryset, services.revoke, "revoked")
