"""The programme board's side of mentoring: matching rounds (opened, mentees added, matched,
reviewed pair by pair and published), pairings and requests as records with their dates, the
queues of pairings waiting to be confirmed and pairings that have stalled, the board ending a
pairing with a neutral reason, and a page on how matching works.

Every change goes through one function in mentoring.rounds or mentoring.services, which locks,
checks and records the board member's action; the pages here read a form and call it.

What a pair says to each other is theirs: check-in notes, "is this working?" answers, close-out
feedback and agreed goals are never shown here, and check-ins, fit answers and close-outs have
no admin of their own. The board sees that check-ins happen, and when. A request's note is the
mentee's words to the mentor, so the board sees a request's status and dates only.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from members.models import Profile, User
from mentoring import matching, rounds, services
from mentoring.models import MatchingRound, MentoringRequest, Pairing, Proposal, RoundEntry
from network.admin import RecordAdmin
from network.errors import Refused
from network.http import is_record_id, posted
from network.models import NetworkSettings

# How many mentors the board is offered instead of a proposed one, best first.
CHOICES_PER_MENTEE = 10

# Why the board may end a pairing: neutral words, which blame neither side.
END_REASONS = [
    ("asked", "One or both of the pair asked the board to end it"),
    ("away", "One of the pair has left the network or is away for a long time"),
    ("not_started", "The pairing has not got going"),
    ("conduct", "A matter the board is handling under the code of conduct"),
]


def name_of(member: Any) -> str:
    return str(member) if member is not None else "-"


def days_since(moment: Any, *, now: Any = None) -> str:
    if moment is None:
        return "-"
    days = ((now or timezone.now()) - moment).days
    return "today" if days < 1 else f"{days} day{'s' if days != 1 else ''}"


def _page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, title: str, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        f"admin/mentoring/{template}",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            **context,
        },
    )


class AddMenteeForm(forms.Form):
    email = forms.EmailField(
        label="The mentee's email address",
        help_text="The address they sign in with.",
        max_length=254,
    )


class EndPairingForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why the board is ending this pairing",
        choices=END_REASONS,
        widget=forms.RadioSelect,
        help_text="Both of the pair are told the pairing has ended, in kind words that blame "
        "neither of them.",
    )


def figures_of(matching_round: MatchingRound) -> list[tuple[str, Any]]:
    """The round's figures at its last run of the matching, in words."""
    figures = matching_round.figures or {}
    if not figures:
        return []
    average, best = figures.get("average_score"), figures.get("best_possible_score")
    if isinstance(average, int | float):
        average = f"{average:.2f}" + (f" out of a possible {best:.2f}" if best else "")
    used, offered = figures.get("capacity_used"), figures.get("capacity")
    return [
        ("Mentees in the round", figures.get("mentees", "-")),
        ("Matched", figures.get("matched", "-")),
        ("Not matched", figures.get("unmatched", "-")),
        ("Average score", average if average is not None else "-"),
        ("Mentors taking mentees", figures.get("mentors", "-")),
        (
            "Mentors' places used",
            f"{used} of {offered}" if used is not None and offered is not None else "-",
        ),
    ]


@dataclass
class Choice:
    mentor: Any
    score: float


def mentor_choices(mentee_ids: list[int], proposals: list[Proposal]) -> dict[int, list[Choice]]:
    """For each mentee of a round under review, the mentors the board may give them instead,
    best first: mentors the rules allow who offer something the mentee asked for (the pairs the
    matching itself weighs), with a place the round has not already filled. A few queries and
    one scoring of all the pairs at once, however many mentees and mentors."""
    profiles = list(matching.available_mentors().order_by("pk"))
    if not mentee_ids or not profiles:
        return {}
    mentees = [
        matching.MenteeFacts.of(profile)
        for profile in Profile.objects.select_related("user")
        .prefetch_related("wanted_topics")
        .filter(pk__in=mentee_ids)
    ]
    mentors = [matching.MentorFacts.of(profile, live=profile.live) for profile in profiles]
    proposed = Counter(proposal.mentor_id for proposal in proposals)
    kept_apart = matching.past_partners(mentee_ids) | matching.conduct_exclusions(
        [*mentee_ids, *(profile.pk for profile in profiles)]
    )
    cost = matching.costs(mentees, mentors, weight=matching.weights(), kept_apart=kept_apart)
    has_room = np.array([mentor.room > proposed[mentor.user_id] for mentor in mentors])
    choices: dict[int, list[Choice]] = {}
    for row, mentee in enumerate(mentees):
        (allowed,) = np.nonzero((cost[row] < matching.FORBIDDEN) & has_room)
        best = allowed[np.argsort(cost[row, allowed], kind="stable")][:CHOICES_PER_MENTEE]
        choices[mentee.user_id] = [
            Choice(profiles[column].user, -float(cost[row, column])) for column in best
        ]
    return choices


@admin.register(MatchingRound)
class MatchingRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "entries", "proposals", "opened_at", "published_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    ordering = ["-opened_at", "-pk"]
    fields = ["title"]
    change_form_template = "admin/mentoring/matchinground/change_form.html"
    change_list_template = "admin/mentoring/matchinground/change_list.html"
    state_fields = ["title", "status", "created_by", "opened_at", "matched_at", "published_at"]

    def get_fields(self, request: HttpRequest, obj: MatchingRound | None = None) -> Any:
        return self.state_fields if obj else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: MatchingRound | None = None) -> Any:
        # A round changes only through the buttons on its page, each one recorded.
        return self.state_fields if obj else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchingRound]:
        def count(model: Any) -> Any:
            counted = (
                model.objects.filter(round=OuterRef("pk"))
                .order_by()
                .values("round")
                .annotate(count=Count("pk"))
                .values("count")
            )
            return Coalesce(Subquery(counted), 0)

        return (
            super()
            .get_queryset(request)
            .annotate(entry_count=count(RoundEntry), proposal_count=count(Proposal))
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A round is the record of how pairings were proposed: kept, never deleted.
        return False

    @admin.display(description="Mentees")
    def entries(self, matching_round: MatchingRound) -> int:
        return int(getattr(matching_round, "entry_count", 0))

    @admin.display(description="Proposed pairs")
    def proposals(self, matching_round: MatchingRound) -> int:
        return int(getattr(matching_round, "proposal_count", 0))

    def save_model(self, request: HttpRequest, obj: MatchingRound, form: Any, change: bool) -> None:
        if change:
            return  # nothing on the round's page is typed in
        opened = rounds.open_round(title=obj.title, by=request.user)
        obj.pk, obj._state = opened.pk, opened._state

    def response_add(
        self, request: HttpRequest, obj: MatchingRound, post_url_continue: str | None = None
    ) -> HttpResponse:
        # A new round's own page is where mentees are added and the matching is run.
        messages.success(request, f"“{obj.title}” is open. Add mentees, or let them join.")
        return redirect("admin:mentoring_matchinground_change", obj.pk)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: MatchingRound | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(self.review(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def review(self, matching_round: MatchingRound) -> dict[str, Any]:
        """What the board reviews on a round's page: its mentees, the proposed pairs with their
        scores and reasons, the mentors each mentee may have instead, and the figures."""
        entries = list(
            matching_round.entries.select_related("mentee", "added_by").order_by(
                "mentee__name", "pk"
            )
        )
        proposals = {
            proposal.mentee_id: proposal
            for proposal in matching_round.proposals.select_related("mentor")
        }
        # Pairs are changed between the matching and publishing, never after.
        editable = matching_round.status == MatchingRound.Status.MATCHED
        allowed = (
            mentor_choices([entry.mentee_id for entry in entries], list(proposals.values()))
            if editable
            else {}
        )
        rows: list[dict[str, Any]] = []
        for entry in entries:
            proposal = proposals.get(entry.mentee_id)
            parts: dict[str, float] = (proposal.parts or {}) if proposal else {}
            rows.append(
                {
                    "entry": entry,
                    "proposal": proposal,
                    # The parts that made the score, largest first.
                    "parts": sorted(parts.items(), key=lambda part: -float(part[1])),
                    "choices": [
                        choice
                        for choice in allowed.get(entry.mentee_id, [])
                        if not proposal or choice.mentor.pk != proposal.mentor_id
                    ],
                }
            )
        reasons = Counter(
            entry.unmatched_because
            for entry in entries
            if entry.mentee_id not in proposals and entry.unmatched_because
        )
        return {
            "rows": rows,
            "proposed": [row for row in rows if row["proposal"]],
            "unmatched": [row for row in rows if not row["proposal"]],
            "unmatched_reasons": reasons.most_common(),
            "figures": figures_of(matching_round),
            "editable": editable,
            "add_mentee_form": AddMenteeForm(),
        }

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        extra = [
            path("<int:pk>/run/", view(self.run_view), name="mentoring_matchinground_run"),
            path(
                "<int:pk>/add-mentee/",
                view(self.add_mentee_view),
                name="mentoring_matchinground_add_mentee",
            ),
            path(
                "<int:pk>/mentees/<int:mentee_pk>/swap/",
                view(self.swap_view),
                name="mentoring_matchinground_swap",
            ),
            path(
                "<int:pk>/mentees/<int:mentee_pk>/remove/",
                view(self.remove_view),
                name="mentoring_matchinground_remove",
            ),
            path(
                "<int:pk>/publish/",
                view(self.publish_view),
                name="mentoring_matchinground_publish",
            ),
            path(
                "how-matching-works/",
                view(self.how_view),
                name="mentoring_matchinground_how",
            ),
        ]
        return extra + super().get_urls()

    def _round(self, request: HttpRequest, pk: int) -> MatchingRound:
        if not self.has_change_permission(request):
            raise Http404
        return get_object_or_404(MatchingRound, pk=pk)

    def _back(self, matching_round: MatchingRound) -> HttpResponse:
        return redirect("admin:mentoring_matchinground_change", matching_round.pk)

    @method_decorator(require_POST)
    def run_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        matching_round = self._round(request, pk)
        try:
            figures = rounds.run_matching(round_id=matching_round.pk, by=request.user)
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"Matching done: {figures.get('matched', 0)} matched, "
                f"{figures.get('unmatched', 0)} not matched. Review the pairs, then publish.",
            )
        return self._back(matching_round)

    @method_decorator(require_POST)
    def add_mentee_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        matching_round = self._round(request, pk)
        form = AddMenteeForm(request.POST)
        mentee = (
            User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
            if form.is_valid()
            else None
        )
        if mentee is None:
            messages.error(request, "Enter the email address of a member of the network.")
            return self._back(matching_round)
        try:
            rounds.add_to_round(round_id=matching_round.pk, mentee_id=mentee.pk, by=request.user)
        except Refused as refusal:
            messages.error(request, f"{mentee}: {refusal}")
        else:
            messages.success(request, f"{mentee} is in the round.")
        return self._back(matching_round)

    @method_decorator(require_POST)
    def swap_view(self, request: HttpRequest, pk: int, mentee_pk: int) -> HttpResponse:
        matching_round = self._round(request, pk)
        mentor_id = request.POST.get("mentor", "")
        if not is_record_id(mentor_id):
            messages.error(request, "Choose a mentor from the list.")
            return self._back(matching_round)
        return self._change_pair(request, matching_round, mentee_pk, int(mentor_id))

    @method_decorator(require_POST)
    def remove_view(self, request: HttpRequest, pk: int, mentee_pk: int) -> HttpResponse:
        matching_round = self._round(request, pk)
        return self._change_pair(request, matching_round, mentee_pk, None)

    def _change_pair(
        self,
        request: HttpRequest,
        matching_round: MatchingRound,
        mentee_id: int,
        mentor_id: int | None,
    ) -> HttpResponse:
        try:
            proposal = rounds.change_pair(
                round_id=matching_round.pk,
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                by=request.user,
            )
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            if proposal is None:
                messages.success(request, "The pair is removed; the mentee stays in the round.")
            else:
                messages.success(
                    request, f"{proposal.mentee} is now proposed to {proposal.mentor}."
                )
        return self._back(matching_round)

    @method_decorator(require_POST)
    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        matching_round = self._round(request, pk)
        try:
            proposed = rounds.publish_round(round_id=matching_round.pk, by=request.user)
        except Refused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                f"“{matching_round.title}” is published: {proposed} pairing(s) proposed, and "
                "both sides of each told.",
            )
        return self._back(matching_round)

    def how_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        weights = matching.weights()
        total = sum(float(weight) for weight in weights.values()) or 1.0
        parts = [
            {
                "name": name,
                "weight": weight,
                "share": round(100 * float(weight) / total),
                "default": matching.DEFAULT_WEIGHTS.get(name),
                "explanation": matching.PART_DESCRIPTIONS.get(name, ""),
            }
            for name, weight in weights.items()
        ]
        return _page(
            self,
            request,
            "how_matching_works.html",
            "How matching works",
            parts=parts,
            total=sum(float(weight) for weight in weights.values()),
        )


class AttentionFilter(admin.SimpleListFilter):
    """The board's two queues of pairings: proposed and waiting for an answer, and running
    without a check-in for the reminder period."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("to_confirm", "Pairings to confirm"), ("stalled", "Stalled pairings")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "to_confirm":
            return queryset.filter(status=Pairing.Status.PROPOSED).order_by("proposed_at", "pk")
        if self.value() == "stalled":
            weeks = NetworkSettings.load().check_in_reminder_weeks
            since = timezone.localdate() - timedelta(weeks=weeks)
            return queryset.filter(pk__in=Pairing.objects.stalled(since=since).values("pk"))
        return queryset


@admin.register(Pairing)
class PairingAdmin(RecordAdmin):
    # The pair's words (goals, check-in notes, fit answers, close-outs) are theirs alone, and
    # which side ended or declined a pairing is not the board's to weigh: it ends without blame.
    list_display = [
        "mentor",
        "mentee",
        "status",
        "origin",
        "waiting_on",
        "proposed_at",
        "started_on",
        "ends_on",
        "check_ins",
        "last_check_in",
    ]
    list_filter = [AttentionFilter, "status", "origin"]
    list_select_related = ["mentor", "mentee"]
    search_fields = ["mentor__name", "mentor__email", "mentee__name", "mentee__email"]
    change_form_template = "admin/mentoring/pairing/change_form.html"
    fields = readonly_fields = (
        "mentor",
        "mentee",
        "status",
        "origin",
        "round",
        "term_months",
        "proposed_at",
        "mentor_agreed_at",
        "mentee_agreed_at",
        "started_on",
        "ends_on",
        "ended_at",
        "check_ins",
        "last_check_in",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pairing]:
        return super().get_queryset(request).with_check_ins()  # type: ignore[attr-defined]

    @admin.display(description="Check-ins")
    def check_ins(self, pairing: Pairing) -> int:
        return int(getattr(pairing, "check_in_count", 0))

    @admin.display(description="Last check-in", ordering="last_check_in")
    def last_check_in(self, pairing: Pairing) -> Any:
        return getattr(pairing, "last_check_in", None) or "-"

    @admin.display(description="Waiting on")
    def waiting_on(self, pairing: Pairing) -> str:
        if pairing.status != Pairing.Status.PROPOSED:
            return "-"
        waiting = [
            side
            for side, agreed in (
                ("the mentor", pairing.mentor_agreed_at),
                ("the mentee", pairing.mentee_agreed_at),
            )
            if agreed is None
        ]
        who = " and ".join(waiting) or "nobody"
        return f"{who}, for {days_since(pairing.proposed_at)}"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:pk>/end/",
                self.admin_site.admin_view(self.end_view),
                name="mentoring_pairing_end",
            )
        ]
        return extra + super().get_urls()

    def end_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        pairing = get_object_or_404(Pairing.objects.select_related("mentor", "mentee"), pk=pk)
        form = EndPairingForm(posted(request))
        if request.method == "POST" and form.is_valid():
            reason = dict(END_REASONS)[form.cleaned_data["reason"]]
            try:
                services.end_pairing_for_board(
                    pairing_id=pairing.pk, by=request.user, reason=reason
                )
            except Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request, f"The pairing of {pairing.mentor} and {pairing.mentee} has ended."
                )
                return redirect("admin:mentoring_pairing_change", pairing.pk)
        return _page(
            self,
            request,
            "end_pairing.html",
            f"End the pairing of {pairing.mentor} and {pairing.mentee}",
            form=form,
            pairing=pairing,
        )


@admin.register(MentoringRequest)
class MentoringRequestAdmin(RecordAdmin):
    # The note, question and answer are the mentee's and mentor's words to each other.
    list_display = [
        "mentee",
        "mentor",
        "status",
        "created_at",
        "waiting",
        "reminded_at",
        "closed_at",
    ]
    list_filter = ["status"]
    list_select_related = ["mentee", "mentor"]
    search_fields = ["mentee__name", "mentee__email", "mentor__name", "mentor__email"]
    fields = readonly_fields = (
        "mentee",
        "mentor",
        "status",
        "created_at",
        "waiting_since",
        "waiting",
        "reminded_at",
        "closed_at",
    )

    @admin.display(description="Waiting for an answer")
    def waiting(self, request: MentoringRequest) -> str:
        return days_since(request.waiting_since) if request.is_open else "-"
