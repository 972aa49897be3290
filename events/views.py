"""Members' pages of events: the list, an event's page, their own places and record, feedback,
and their personal calendar feed.

Each action is one URL that takes POST only and calls one service with the signed-in member
(`request.user`), never a member named in the form. A refusal is shown on the event's page and
changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from events import calendar, feeds, library, services
from events.filters import EventFilter
from events.forms import BookForm, ConversationForm, FeedbackForm, RegisterForm
from events.models import Book, Booking, Event, EventQuerySet, Feedback, Refusal, Registration
from events.places import own_places
from members.models import Profile
from members.services import profile_for
from network.errors import Refused
from network.http import SignedInRequest, posted
from network.links import absolute_url
from network.models import NetworkSettings

PAGE_SIZE = 20
Status = Registration.Status

ProfileView = Callable[Concatenate[SignedInRequest, Profile | None, ...], HttpResponse]
MemberView = Callable[Concatenate[SignedInRequest, Profile, ...], HttpResponse]


def no_profile(request: SignedInRequest, status: int = 200) -> HttpResponse:
    """What an account without a member profile (the operator's) sees instead of taking part."""
    return render(request, "events/no_profile.html", status=status)


def with_profile(view: ProfileView) -> Callable[..., HttpResponse]:
    """Sign-in required; the view gets the member's profile, or None for an operator account,
    which sees only events for everyone."""

    @login_required
    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return view(request, profile_for(request.user), *args, **kwargs)

    return wrapped


def members_only(view: MemberView) -> Callable[..., HttpResponse]:
    """Sign-in and a member profile required: an operator account gets a page saying why not."""

    @login_required
    @wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        profile = profile_for(request.user)
        if profile is None:
            return no_profile(request, status=200 if request.method == "GET" else 403)
        return view(request, profile, *args, **kwargs)

    return wrapped


def action(view: MemberView) -> Callable[..., HttpResponse]:
    """A button on a page: POST only, by a member."""
    return members_only(require_POST(view))


def events_for(request: SignedInRequest, profile: Profile | None) -> EventQuerySet:
    """Events this person may see, each with its seats taken, whether anyone waits, and the
    person's own registration status, in the one query that lists them."""
    seats_taken = Count(
        "registrations", filter=Q(registrations__status__in=list(Registration.HOLDING_SEAT))
    )
    waiting = Registration.objects.filter(event=OuterRef("pk"), status=Status.WAITING)
    own = Registration.objects.filter(event=OuterRef("pk"), member=request.user)
    return (
        Event.objects.published()
        .open_to(profile)
        .annotate(
            places_left=ExpressionWrapper(F("capacity") - seats_taken, output_field=IntegerField()),
            someone_waiting=Exists(waiting),
            own_status=Subquery(own.values("status")[:1]),
        )
    )


def visible_event(request: SignedInRequest, profile: Profile | None, pk: int) -> Event:
    """The event if this person may see it: drafts and other audiences' events are not found."""
    return get_object_or_404(
        events_for(request, profile).select_related("audience_category"), pk=pk
    )


# ---------------------------------------------------------------------------------------------
# Pages


@with_profile
def event_list(request: SignedInRequest, profile: Profile | None) -> HttpResponse:
    found = EventFilter(request.GET, queryset=events_for(request, profile))
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/list.html",
        {"filter": found, "page": page, "past": found.past, "query": query.urlencode()},
    )


@dataclass(frozen=True)
class Conversation:
    """One conversation with a book, as a reader sees it: when, how many places are left, and
    the reader's own booking of it, if any."""

    starts_at: datetime
    places_left: int
    booking_id: int | None


@dataclass(frozen=True)
class Shelf:
    book: Book
    conversations: list[Conversation]


def _library(event: Event, user: Any) -> dict[str, Any]:
    """The living library's books and conversations as this member may see them: titles and
    blurbs, places left, their own bookings, and readers' names only for their own confirmed
    book."""
    books = list(
        event.books.filter(Q(status=Book.Status.READING) | Q(member=user)).order_by("title", "pk")
    )
    own_book = next((book for book in books if book.member_id == user.pk), None)
    counts = (
        Booking.objects.booked()
        .filter(book__event=event)
        .values("book_id", "starts_at")
        .annotate(
            readers=Count("pk"),
            own=Max("pk", filter=Q(reader=user)),
        )
        .order_by()
    )
    taken = {(row["book_id"], row["starts_at"]): (row["readers"], row["own"]) for row in counts}
    times = library.conversation_times(event)
    shelves = []
    for book in books:
        if book.status != Book.Status.READING:
            continue
        conversations = []
        for starts_at in times:
            readers, own = taken.get((book.pk, starts_at), (0, None))
            conversations.append(
                Conversation(starts_at, max(event.readers_per_slot - readers, 0), own)
            )
        shelves.append(Shelf(book, conversations))
    bookings = [
        (shelf.book, conversation)
        for shelf in shelves
        for conversation in shelf.conversations
        if conversation.booking_id
    ]
    bookings.sort(key=lambda pair: pair[1].starts_at)
    readers = (
        list(Booking.objects.shown_to_book(own_book).order_by("starts_at", "pk"))
        if own_book
        else []
    )
    return {
        "shelves": shelves,
        "own_bookings": bookings,
        "own_book": own_book,
        "own_book_readers": readers,
    }


def event_page(
    request: SignedInRequest,
    profile: Profile | None,
    event: Event,
    *,
    register_form: RegisterForm | None = None,
    book_form: BookForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    network = NetworkSettings.load()
    user = request.user
    # The member's own registration here and their waiting-list places at events that clash
    # with this one, in one query.
    rows = list(
        Registration.objects.filter(member=user)
        .filter(
            Q(event=event)
            | Q(
                status=Status.WAITING,
                event__status=Event.Status.PUBLISHED,
                event__starts_at__lt=event.ends_at,
                event__ends_at__gt=event.starts_at,
            )
        )
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )
    registration = next((row for row in rows if row.event_id == event.pk), None)
    clashes = [row.event for row in rows if row.event_id != event.pk]
    ended = event.has_ended(now=now)
    open_for_changes = event.is_open_for_changes(
        now=now, closing_hours=network.registration_closes_hours
    )
    not_yet_open = event.registration_opens_at is not None and now < event.registration_opens_at
    is_live = registration is not None and registration.is_live
    confirmed = registration is not None and registration.status == Status.CONFIRMED
    context: dict[str, Any] = {
        "event": event,
        "profile": profile,
        "registration": registration,
        "is_live": is_live,
        "confirmed": confirmed,
        "waiting_place": (
            services.waiting_place(registration)
            if registration is not None and registration.status == Status.WAITING
            else None
        ),
        "clashes": clashes if not ended else [],
        "ended": ended,
        "open_for_changes": open_for_changes,
        "not_yet_open": not_yet_open,
        "closes_at": event.closes_at(closing_hours=network.registration_closes_hours),
        "closed_message": Refusal.CLOSED.label,
        "show_join_link": confirmed and event.status == Event.Status.PUBLISHED and not ended,
        "register_form": register_form or RegisterForm(),
        "form": register_form or book_form,  # the one with errors, for the page's title
    }
    if event.is_living_library:
        context.update(_library(event, user))
        own_book = context["own_book"]
        context["can_book"] = confirmed and event.status == Event.Status.PUBLISHED and not ended
        context["can_offer_book"] = (
            profile is not None
            and bool(profile.living_library_topics.strip())
            and (own_book is None or own_book.status != Book.Status.READING)
            and event.status == Event.Status.PUBLISHED
            and not ended
        )
        context["book_form"] = book_form or BookForm()
    return render(request, "events/detail.html", context)


@with_profile
def detail(request: SignedInRequest, profile: Profile | None, pk: int) -> HttpResponse:
    return event_page(request, profile, visible_event(request, profile, pk))


@members_only
def mine(request: SignedInRequest, profile: Profile) -> HttpResponse:
    now = timezone.now()
    given = Feedback.objects.filter(event=OuterRef("event"), member=request.user)
    registrations = list(own_places(request.user).annotate(feedback_given=Exists(given)))
    upcoming = [r for r in registrations if not r.event.has_ended(now=now)]
    past = [r for r in reversed(registrations) if r.event.has_ended(now=now)]
    return render(
        request,
        "events/mine.html",
        {
            "going": [r for r in upcoming if r.holds_seat],
            "waiting": [r for r in upcoming if r.status == Status.WAITING],
            "record": [r for r in past if r.status == Status.CONFIRMED],
        },
    )


@members_only
def feedback(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    event = visible_event(request, profile, pk)
    form = FeedbackForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.give_feedback(event_id=event.pk, member=request.user, **form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Thank you for your feedback.")
            return redirect("events:mine")
    given = Feedback.objects.filter(event=event, member=request.user).exists()
    return render(request, "events/feedback.html", {"event": event, "form": form, "given": given})


# ---------------------------------------------------------------------------------------------
# Actions: one URL each, POST only, one service each


def _act(request: SignedInRequest, event_id: int, change: Callable[[], str]) -> HttpResponse:
    """Run one service; its words of success, or its refusal, are shown on the event's page."""
    try:
        done = change()
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("events:detail", pk=event_id)


@action
def register(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    event = visible_event(request, profile, pk)
    form = RegisterForm(request.POST)
    if not form.is_valid():
        return event_page(request, profile, event, register_form=form)

    def change() -> str:
        registration = services.register(
            event_id=event.pk, member=request.user, access_needs=form.cleaned_data["access_needs"]
        )
        if registration.status == Status.CONFIRMED:
            return "Your place is confirmed. We have emailed you the details and a calendar entry."
        return (
            "The event is full, so you are on the waiting list. "
            "We will email you if a place comes up."
        )

    return _act(request, event.pk, change)


@action
def cancel(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    event = visible_event(request, profile, pk)

    def change() -> str:
        services.cancel_registration(event_id=event.pk, member=request.user)
        return "You have cancelled. Thank you for letting us know."

    return _act(request, event.pk, change)


@action
def confirm_offer(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    event = visible_event(request, profile, pk)

    def change() -> str:
        services.confirm_offer(event_id=event.pk, member=request.user)
        return "Your place is confirmed. We have emailed you the details and a calendar entry."

    return _act(request, event.pk, change)


@action
def offer_book(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    event = visible_event(request, profile, pk)
    form = BookForm(request.POST)
    if not form.is_valid():
        return event_page(request, profile, event, book_form=form)

    def change() -> str:
        library.offer_book(event_id=event.pk, member=request.user, **form.cleaned_data)
        return (
            "Thank you for offering to read as a book. Readers can now book conversations with you."
        )

    return _act(request, event.pk, change)


@action
def withdraw_book(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    # Only the member's own book: anyone else's is not found.
    book = get_object_or_404(Book, pk=pk, member=request.user)
    event = visible_event(request, profile, book.event_id)

    def change() -> str:
        library.withdraw_book(book_id=book.pk, member=request.user)
        return "You have withdrawn from the living library. Anyone who booked you will be told."

    return _act(request, event.pk, change)


@action
def book_conversation(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    book = get_object_or_404(Book, pk=pk)
    event = visible_event(request, profile, book.event_id)
    form = ConversationForm(request.POST, times=library.conversation_times(event))
    if not form.is_valid():
        messages.error(request, str(Refusal.NO_SUCH_SLOT.label))
        return redirect("events:detail", pk=event.pk)

    def change() -> str:
        booking = library.book_conversation(
            book_id=book.pk, reader=request.user, starts_at=form.chosen()
        )
        when = format_date(timezone.localtime(booking.starts_at), "l j F Y, g:ia")
        return f"You have booked a conversation with “{book.title}” at {when}."

    return _act(request, event.pk, change)


@action
def cancel_booking(request: SignedInRequest, profile: Profile, pk: int) -> HttpResponse:
    # Only the member's own booking: anyone else's is not found.
    booking = get_object_or_404(Booking.objects.select_related("book"), pk=pk, reader=request.user)
    event = visible_event(request, profile, booking.book.event_id)

    def change() -> str:
        library.cancel_booking(booking_id=booking.pk, reader=request.user)
        return "You have cancelled your conversation."

    return _act(request, event.pk, change)


# ---------------------------------------------------------------------------------------------
# The personal calendar feed


@members_only
def calendar_feed(request: SignedInRequest, profile: Profile) -> HttpResponse:
    return render(request, "events/calendar_feed.html", {"has_feed": feeds.has_feed(request.user)})


@action
def renew_feed(request: SignedInRequest, profile: Profile) -> HttpResponse:
    """Make the link, or a new one in place of the old, and show it this once."""
    token = feeds.new_feed_link(member=request.user)
    link = absolute_url(reverse("events:feed", args=[token]))
    response = render(request, "events/calendar_feed.html", {"has_feed": True, "link": link})
    patch_cache_control(response, private=True, no_store=True)
    return response


@action
def stop_feed(request: SignedInRequest, profile: Profile) -> HttpResponse:
    feeds.stop_feed(member=request.user)
    messages.success(request, "Your calendar link has stopped working.")
    return redirect("events:calendar_feed")


@require_GET
def feed(request: Any, token: str) -> HttpResponse:
    """The feed a calendar app reads. No sign-in: the link is the key. An unknown or renewed
    link gets a bare 404 that says nothing about why."""
    try:
        member = feeds.member_for_feed(token)
    except Refused:
        return HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
    body = calendar.feed(
        feeds.events_in_feed(member), member_name=member.name or member.email.split("@")[0]
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    response["X-Robots-Tag"] = "noindex"
    patch_cache_control(response, private=True, no_store=True)
    return response
