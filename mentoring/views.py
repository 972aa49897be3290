"""Members' mentoring pages: home (offer, goals, suggestions, requests, pairings, rounds), the
offer and goals forms, asking a mentor, one request, and one pairing.

Each action is one URL that takes POST only and calls one service with the signed-in member
(`request.user`), never a member named in the form. A request or a pairing is found only among
the signed-in member's own, so anyone else (the board included: it has its own pages, without
notes) gets "not found". A refusal is shown on the page and changes nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from members.models import MentoringStatus, Profile
from members.privacy import Viewer, VisibleProfile
from members.services import profile_for
from mentoring import matching, rounds, services
from mentoring.forms import (
    AnswerForm,
    AskForm,
    CheckInForm,
    CloseOutForm,
    DeclineForm,
    FitForm,
    GoalsForm,
    OfferForm,
    QuestionForm,
)
from mentoring.models import (
    CloseOut,
    FitAnswer,
    MatchingRound,
    MentoringRequest,
    Pairing,
    Refusal,
    RoundEntry,
)
from network.errors import Refused
from network.http import SignedInRequest, posted
from network.models import MentoringTopic, NetworkSettings

# Requests a member has made, shown on their home page: the latest, open or not.
REQUESTS_SHOWN = 10
PAIRINGS_SHOWN = 20
REQUESTS_IN_SHOWN = 20
SUGGESTIONS_SHOWN = 5
SUGGESTION_SECONDS = 10 * 60
REASONS_SHOWN = 3


@dataclass(frozen=True)
class Incoming:
    """A request for the signed-in mentor to answer, with its own forms (their fields named
    for the request, so several on one page stay apart)."""

    asked: MentoringRequest
    decline_form: DeclineForm
    question_form: QuestionForm | None


MemberView = Callable[Concatenate[SignedInRequest, Profile, ...], HttpResponse]


def members_only(view: MemberView) -> Callable[..., HttpResponse]:
    """Sign-in and a member profile required: an operator account gets a page saying why not."""

    @login_required
    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = profile_for(request.user)
        if profile is None:
            status = 200 if request.method == "GET" else 403
            return render(request, "mentoring/no_profile.html", status=status)
        profile.user = request.user  # the same account: reading it again would cost a query
        return view(request, profile, *args, **kwargs)

    return wrapped


def action(view: MemberView) -> Callable[..., HttpResponse]:
    """A button on a page: POST only, by a member."""
    return members_only(require_POST(view))


@dataclass(frozen=True)
class Suggested:
    """A mentor suggested to the signed-in member, as they may see them, with the top reasons."""

    profile: Profile
    visible: VisibleProfile
    reasons: list[str]


def suggestion_key(user_id: int) -> str:
    return f"mentoring:suggestions:{user_id}"


def suggestions_for(
    request: SignedInRequest, profile: Profile, wanted: Iterable[MentoringTopic] | None = None
) -> list[Suggested]:
    """Up to five mentors for this member (`profile`, theirs, with its user; `wanted`, its
    wanted topics when the page has read them already), each as a member may see them, with the
    top reasons in words.

    Scoring weighs every available mentor, so the answer is kept for a few minutes: the home
    page, the ask page and the pairing page read it again with one query for the mentors' cards.
    Nothing unsafe can come of an answer a few minutes old: the rules are checked again when
    the member asks, and the cards are read fresh, each part only if the mentor shows it.
    """
    viewer = Viewer(user_id=request.user.pk)  # one member to another, on members' pages
    key = suggestion_key(request.user.pk)
    kept: list[tuple[int, list[str]]] | None = cache.get(key)
    if kept is None:
        found = matching.suggestions(
            mentee=request.user,
            limit=SUGGESTIONS_SHOWN,
            facts=matching.MenteeFacts.of(profile, topics=wanted),
        )
        cache.set(
            key,
            [(each.profile.pk, each.match.reasons[:REASONS_SHOWN]) for each in found],
            SUGGESTION_SECONDS,
        )
        return [
            Suggested(
                each.profile, each.profile.visible_to(viewer), each.match.reasons[:REASONS_SHOWN]
            )
            for each in found
        ]
    if not kept:
        return []
    profiles = Profile.objects.in_directory().in_bulk([pk for pk, _ in kept])
    return [
        Suggested(profiles[pk], profiles[pk].visible_to(viewer), reasons)
        for pk, reasons in kept
        if pk in profiles
    ]


def forget_suggestions(user: Any) -> None:
    """After a change that alters who suits this member, suggest afresh on the next page."""
    cache.delete(suggestion_key(user.pk))


def with_people(queryset: Any) -> Any:
    """Requests or pairings with both members' profiles, read in the same query."""
    return queryset.select_related("mentor__profile", "mentee__profile")


# ---------------------------------------------------------------------------------------------
# Pages


@members_only
def home(request: SignedInRequest, profile: Profile) -> HttpResponse:
    user = request.user
    topics = list(
        MentoringTopic.objects.filter(Q(mentors=profile) | Q(mentees=profile))
        .annotate(
            offered=Exists(
                Profile.offered_topics.through.objects.filter(
                    profile=profile, mentoringtopic=OuterRef("pk")
                )
            ),
            wanted=Exists(
                Profile.wanted_topics.through.objects.filter(
                    profile=profile, mentoringtopic=OuterRef("pk")
                )
            ),
        )
        .distinct()
    )
    # Both lists in one query; each part keeps its own order and limit, sorted again here
    # because a union promises no order.
    requests = list(
        with_people(MentoringRequest.objects.open().filter(mentor=user))
        .order_by("waiting_since", "pk")[:REQUESTS_IN_SHOWN]
        .union(with_people(MentoringRequest.objects.filter(mentee=user))[:REQUESTS_SHOWN], all=True)
    )
    requests_in = sorted(
        (asked for asked in requests if asked.mentor_id == user.pk),
        key=lambda asked: (asked.waiting_since, asked.pk),
    )
    requests_out = sorted(
        (asked for asked in requests if asked.mentee_id == user.pk),
        key=lambda asked: (asked.created_at, asked.pk),
        reverse=True,
    )
    wanted_topics = [topic for topic in topics if topic.wanted]
    asked_now = {asked.mentor_id for asked in requests_out if asked.is_open}
    pairings = list(
        with_people(Pairing.objects.of(user)).order_by("-proposed_at", "-pk")[:PAIRINGS_SHOWN]
    )
    open_rounds = list(
        MatchingRound.objects.filter(status=MatchingRound.Status.OPEN).annotate(
            joined=Exists(RoundEntry.objects.filter(round=OuterRef("pk"), mentee=user))
        )
    )
    return render(
        request,
        "mentoring/home.html",
        {
            "profile": profile,
            "offered_topics": [topic for topic in topics if topic.offered],
            "wanted_topics": wanted_topics,
            # A mentor already asked waits for their answer, not a second request.
            "suggestions": [
                each
                for each in suggestions_for(request, profile, wanted_topics)
                if each.profile.pk not in asked_now
            ],
            "requests_in": [
                Incoming(
                    asked,
                    DeclineForm(auto_id=f"decline-{asked.pk}-%s"),
                    QuestionForm(auto_id=f"question-{asked.pk}-%s")
                    if asked.status == MentoringRequest.Status.WAITING
                    else None,
                )
                for asked in requests_in
            ],
            "requests_out": requests_out,
            "pairings": pairings,
            "rounds": open_rounds,
            "accepting": MentoringStatus.ACCEPTING,
        },
    )


def _edit(
    request: SignedInRequest, profile: Profile, form_class: type[forms.ModelForm], **page: Any
) -> HttpResponse:
    form = form_class(posted(request), instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        forget_suggestions(request.user)
        messages.success(request, page["saved"])
        return redirect("mentoring:home")
    return render(request, "mentoring/edit.html", {"form": form, "profile": profile, **page})


@members_only
def offer(request: SignedInRequest, profile: Profile) -> HttpResponse:
    return _edit(
        request,
        profile,
        OfferForm,
        title="Your mentoring offer",
        intro="Tell members whether you can mentor now, how many mentees you can support, "
        "on what and how.",
        part="your mentoring offer",
        saved="Your mentoring offer has been saved.",
        action="mentoring:offer",
    )


@members_only
def goals(request: SignedInRequest, profile: Profile) -> HttpResponse:
    return _edit(
        request,
        profile,
        GoalsForm,
        title="Your mentoring goals",
        intro="Tell us what you hope to achieve and what you would like in a mentor. We use "
        "this to suggest mentors to you.",
        part="what you are looking for from mentoring",
        saved="Your mentoring goals have been saved.",
        action="mentoring:goals",
    )


@members_only
def ask(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    mentor = get_object_or_404(
        Profile.objects.select_related("user", "category"), pk=pk, user__is_active=True
    )
    form = AskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            made = services.ask(
                mentee=request.user, mentor_id=mentor.pk, note=form.cleaned_data["note"]
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            forget_suggestions(request.user)
            messages.success(
                request,
                f"Your request has gone to {mentor.display_name}. We will email you when they "
                "answer.",
            )
            return redirect("mentoring:request", pk=made.pk)
    visible = mentor.visible_to(Viewer(user_id=request.user.pk))
    shows_offer = visible.shows("mentoring_offer")
    cannot_ask = None
    if mentor.pk == profile.pk:
        cannot_ask = Refusal.OWN_REQUEST.label
    elif not mentor.accepting_mentees:
        cannot_ask = Refusal.NOT_ACCEPTING.label
    suggestion = next(
        (found for found in suggestions_for(request, profile) if found.profile.pk == mentor.pk),
        None,
    )
    return render(
        request,
        "mentoring/ask.html",
        {
            "mentor": mentor,
            "visible": visible,
            "offer": visible.mentoring_offer if shows_offer else "",
            "topics": list(mentor.offered_topics.all()) if shows_offer else [],
            "reasons": suggestion.reasons if suggestion else [],
            "refusal": cannot_ask,
            "form": form,
        },
    )


def own_request(request: SignedInRequest, pk: int) -> MentoringRequest:
    """A request the signed-in member made or received; anyone else's is not found."""
    user = request.user
    return get_object_or_404(
        with_people(MentoringRequest.objects.filter(Q(mentee=user) | Q(mentor=user))), pk=pk
    )


def request_page(
    request: SignedInRequest, asked: MentoringRequest, **forms_with_errors: forms.Form
) -> HttpResponse:
    is_mentor = asked.mentor_id == request.user.pk
    partner = asked.mentee if is_mentor else asked.mentor
    context: dict[str, Any] = {
        "asked": asked,
        "is_mentor": is_mentor,
        "partner": partner.profile,
        "decline_form": DeclineForm(),
        "question_form": QuestionForm(),
        "answer_form": AnswerForm(),
        "lapse_days": NetworkSettings.load().request_lapse_days,
        **forms_with_errors,
    }
    # The form with errors, for the page's title.
    context["form"] = next(iter(forms_with_errors.values()), None)
    return render(request, "mentoring/request.html", context)


@members_only
def request_detail(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    return request_page(request, own_request(request, pk))


def own_pairing(request: SignedInRequest, pk: int) -> Pairing:
    """A pairing the signed-in member is in, with what they alone have answered in it; anyone
    else's is not found."""
    user = request.user
    mine = {"pairing": OuterRef("pk"), "member": user}
    return get_object_or_404(
        with_people(Pairing.objects.of(user)).annotate(
            my_fit=Subquery(FitAnswer.objects.filter(**mine).values("working")[:1]),
            my_close_out=Exists(CloseOut.objects.filter(**mine)),
        ),
        pk=pk,
    )


def pairing_page(
    request: SignedInRequest, pairing: Pairing, **forms_with_errors: forms.Form
) -> HttpResponse:
    user = request.user
    network = NetworkSettings.load()
    today = services.london_today()
    is_mentor = pairing.mentor_id == user.pk
    partner = pairing.mentee if is_mentor else pairing.mentor
    active = pairing.status == Pairing.Status.ACTIVE
    ended = pairing.status in (Pairing.Status.COMPLETED, Pairing.Status.ENDED_EARLY)
    my_fit: bool | None = getattr(pairing, "my_fit", None)
    my_close_out: bool = getattr(pairing, "my_close_out", False)
    # The same rule the service keeps: the question opens some weeks in, once for each side.
    fit_opens = services.fit_question_opens_on(pairing, network)
    fit_due = active and my_fit is None and fit_opens is not None and fit_opens <= today
    said_no = my_fit is False
    my_agreed = pairing.mentor_agreed_at if is_mentor else pairing.mentee_agreed_at
    my_extension = pairing.mentor_wants_extension if is_mentor else pairing.mentee_wants_extension
    context: dict[str, Any] = {
        "pairing": pairing,
        "is_mentor": is_mentor,
        "partner": partner.profile,
        "active": active,
        "ended": ended,
        "proposed": pairing.status == Pairing.Status.PROPOSED,
        "i_agreed": my_agreed is not None,
        "i_asked_to_extend": my_extension,
        "check_ins": list(pairing.check_ins.select_related(None).order_by("-held_on", "-pk")),
        "fit_due": fit_due,
        "said_no": active and said_no,
        # The member's own profile came with the pairing, its user with it.
        "suggestions": suggestions_for(request, pairing.mentee.profile)
        if active and said_no and not is_mentor
        else [],
        "close_out_due": ended and not my_close_out,
        "close_out_given": ended and my_close_out,
        "check_in_form": CheckInForm(),
        "fit_form": FitForm(),
        "close_out_form": CloseOutForm(),
        **forms_with_errors,
    }
    context["form"] = next(iter(forms_with_errors.values()), None)
    return render(request, "mentoring/pairing.html", context)


@members_only
def pairing_detail(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    return pairing_page(request, own_pairing(request, pk))


# ---------------------------------------------------------------------------------------------
# Actions: one URL each, POST only, one service each


def _act(request: SignedInRequest, change: Callable[[], str], to: str, pk: int) -> HttpResponse:
    """Run one service; its words of success, or its refusal, are shown on the page."""
    try:
        done = change()
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect(to, pk=pk)


def _fill_in(
    request: SignedInRequest,
    form: forms.Form,
    change: Callable[[], str],
    again: Callable[[], HttpResponse],
    to: str,
    pk: int,
) -> HttpResponse:
    """Run one service for a form that was filled in: a refusal is shown on the form, with what
    was written kept, so nothing has to be typed again."""
    if form.is_valid():
        try:
            done = change()
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, done)
            return redirect(to, pk=pk)
    return again()


@action
def withdraw_request(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    asked = own_request(request, pk)

    def change() -> str:
        services.withdraw_request(request_id=asked.pk, mentee=request.user)
        return "You have withdrawn your request. You are free to ask someone else."

    return _act(request, change, "mentoring:request", asked.pk)


@action
def accept_request(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    asked = own_request(request, pk)
    try:
        pairing = services.accept_request(request_id=asked.pk, mentor=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect("mentoring:request", pk=asked.pk)
    messages.success(
        request,
        f"You are now mentoring {asked.mentee.profile.display_name}. We have emailed them. "
        "Agree your goals at your first meeting.",
    )
    return redirect("mentoring:pairing", pk=pairing.pk)


@action
def decline_request(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    asked = own_request(request, pk)
    form = DeclineForm(request.POST)

    def change() -> str:
        services.decline_request(
            request_id=asked.pk, mentor=request.user, reason=form.cleaned_data["reason"]
        )
        return (
            "You have said no. We have let them know kindly, and they are free to ask someone else."
        )

    return _fill_in(
        request,
        form,
        change,
        lambda: request_page(request, asked, decline_form=form),
        "mentoring:request",
        asked.pk,
    )


@action
def ask_question(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    asked = own_request(request, pk)
    form = QuestionForm(request.POST)

    def change() -> str:
        services.ask_question(
            request_id=asked.pk, mentor=request.user, question=form.cleaned_data["question"]
        )
        return "Your question has been sent. We will email you when they answer."

    return _fill_in(
        request,
        form,
        change,
        lambda: request_page(request, asked, question_form=form),
        "mentoring:request",
        asked.pk,
    )


@action
def answer_question(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    asked = own_request(request, pk)
    form = AnswerForm(request.POST)

    def change() -> str:
        services.answer_question(
            request_id=asked.pk, mentee=request.user, answer=form.cleaned_data["answer"]
        )
        return "Your answer has been sent to the mentor."

    return _fill_in(
        request,
        form,
        change,
        lambda: request_page(request, asked, answer_form=form),
        "mentoring:request",
        asked.pk,
    )


@action
def agree(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)

    def change() -> str:
        agreed = services.agree_to_pairing(pairing_id=pairing.pk, member=request.user)
        if agreed.status == Pairing.Status.ACTIVE:
            return "You have both agreed: your mentoring has started."
        return "Thank you for agreeing. We will email you both once the other has agreed too."

    return _act(request, change, "mentoring:pairing", pairing.pk)


@action
def decline_pairing(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)

    def change() -> str:
        services.decline_pairing(pairing_id=pairing.pk, member=request.user)
        return "You have said no to this pairing. Nobody is blamed for a pairing that does not fit."

    return _act(request, change, "mentoring:pairing", pairing.pk)


@action
def check_in(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)
    form = CheckInForm(request.POST)

    def change() -> str:
        services.record_check_in(pairing_id=pairing.pk, member=request.user, **form.cleaned_data)
        return "Your check-in has been recorded."

    return _fill_in(
        request,
        form,
        change,
        lambda: pairing_page(request, pairing, check_in_form=form),
        "mentoring:pairing",
        pairing.pk,
    )


@action
def fit(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)
    form = FitForm(request.POST)

    def change() -> str:
        answer = services.answer_fit(
            pairing_id=pairing.pk, member=request.user, working=form.answer()
        )
        forget_suggestions(request.user)
        if answer.working:
            return "Thank you. We are glad it is working."
        return (
            "Thank you for telling us. You can end the pairing below without blame, and nobody "
            "is told why."
        )

    return _fill_in(
        request,
        form,
        change,
        lambda: pairing_page(request, pairing, fit_form=form),
        "mentoring:pairing",
        pairing.pk,
    )


@action
def end_pairing(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)

    def change() -> str:
        services.end_pairing(pairing_id=pairing.pk, member=request.user)
        return "The pairing has ended. Thank you both for the time you gave it."

    return _act(request, change, "mentoring:pairing", pairing.pk)


@action
def extend(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)

    def change() -> str:
        services.ask_to_extend(pairing_id=pairing.pk, member=request.user)
        return (
            "You have asked to carry on. If your partner asks too, the pairing runs for another "
            "term when this one ends."
        )

    return _act(request, change, "mentoring:pairing", pairing.pk)


@action
def close_out(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    pairing = own_pairing(request, pk)
    form = CloseOutForm(request.POST)

    def change() -> str:
        services.give_close_out(pairing_id=pairing.pk, member=request.user, **form.values())
        return "Thank you for your feedback."

    return _fill_in(
        request,
        form,
        change,
        lambda: pairing_page(request, pairing, close_out_form=form),
        "mentoring:pairing",
        pairing.pk,
    )


@action
def join_round(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    matching_round = get_object_or_404(MatchingRound, pk=pk)
    try:
        rounds.join_round(round_id=matching_round.pk, mentee=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            f"You have joined “{matching_round.title}”. The programme board will propose a "
            "mentor to you when the round is matched.",
        )
    return redirect("mentoring:home")
