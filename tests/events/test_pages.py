"""Members' pages of events: what a member sees and can do, and what they cannot."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import library, services
from events.models import Book, Booking, Event, Feedback, Format, Kind, Registration
from members.models import Profile, Region, User
from tests.events.support import (
    a_book,
    living_library,
    member_with_topics,
    published_event,
    seated,
    set_network,
    snapshot,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status
JOIN_LINK = "https://meet.example.org/join-4f2a"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def detail(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


# ---------------------------------------------------------------------------------------------
# The list


def test_the_list_shows_coming_events_with_places_left_and_the_waiting_list(member: User) -> None:
    roomy = published_event(title="Board readiness", capacity=5)
    full = published_event(title="Chairing well", capacity=1)
    seated(full)
    services.register(event_id=full.pk, member=MemberFactory())  # now someone waits
    published_event(title="Held last month", starts_at=timezone.now() - timedelta(days=30))
    Event.objects.create(
        title="Still a draft",
        description="x",
        starts_at=roomy.starts_at,
        ends_at=roomy.ends_at,
        capacity=5,
    )

    html = page(signed_in(member), reverse("events:list"))

    assert "Board readiness" in html and "5 places left" in html
    assert "Chairing well" in html and "Full: waiting list" in html
    assert "Held last month" not in html
    assert "Still a draft" not in html
    past = page(signed_in(member), reverse("events:list") + "?when=past")
    assert "Held last month" in past and "Board readiness" not in past


def test_the_list_filters_by_kind_format_and_region(member: User) -> None:
    published_event(title="Webinar on finance", kind=Kind.WEBINAR)
    published_event(
        title="Leeds breakfast",
        format=Format.IN_PERSON,
        venue="Leeds Civic Hall",
        region=Region.NORTH_EAST_YORKSHIRE,
    )
    client = signed_in(member)

    webinars = page(client, reverse("events:list") + "?kind=webinar")
    in_person = page(client, reverse("events:list") + f"?region={Region.NORTH_EAST_YORKSHIRE}")

    assert "Webinar on finance" in webinars and "Leeds breakfast" not in webinars
    assert "Leeds breakfast" in in_person and "Webinar on finance" not in in_person


def test_the_list_says_clearly_when_nothing_is_coming_up(member: User) -> None:
    html = page(signed_in(member), reverse("events:list"))
    assert "No events found" in html
    assert "There are no events coming up that match" in html


def test_the_list_shows_times_in_london_time_across_the_clock_change(member: User) -> None:
    # 18:30 UTC on a July evening is 7:30pm in London (British Summer Time).
    starts = timezone.now().replace(month=7, day=15, hour=18, minute=30, second=0, microsecond=0)
    if starts < timezone.now():
        starts = starts.replace(year=starts.year + 1)
    published_event(title="Summer evening", starts_at=starts)
    html = page(signed_in(member), reverse("events:list"))
    assert "7:30pm" in html


def test_events_for_another_audience_are_neither_listed_nor_found(member: User) -> None:
    Profile.objects.filter(user=member).update(region=Region.LONDON)
    theirs = published_event(title="For the North West", audience_region=Region.NORTH_WEST)
    client = signed_in(member)

    assert "For the North West" not in page(client, reverse("events:list"))
    assert client.get(detail(theirs)).status_code == 404
    response = client.post(reverse("events:register", args=[theirs.pk]))
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_a_draft_is_not_found_by_members(member: User) -> None:
    draft = published_event(status=Event.Status.DRAFT)
    client = signed_in(member)
    assert client.get(detail(draft)).status_code == 404
    assert client.post(reverse("events:register", args=[draft.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Registering and cancelling


def test_a_member_registers_with_access_needs_and_sees_their_place_and_the_join_link(
    member: User,
) -> None:
    event = published_event(join_link=JOIN_LINK)
    client = signed_in(member)
    before = page(client, detail(event))
    assert JOIN_LINK not in before
    assert "Only the programme board sees this, and it is erased after the event" in before

    response = client.post(
        reverse("events:register", args=[event.pk]),
        {"access_needs": "A hearing loop"},
        follow=True,
    )

    html = response.content.decode()
    assert "Your place is confirmed" in html
    assert JOIN_LINK in html
    registration = Registration.objects.get(event=event, member=member)
    assert registration.status == Status.CONFIRMED
    assert registration.access_needs == "A hearing loop"
    # Seen by the board only: the member's own page does not repeat it.
    assert "A hearing loop" not in html


def test_registering_twice_is_refused_with_a_message_and_changes_nothing(member: User) -> None:
    event = published_event()
    client = signed_in(member)
    client.post(reverse("events:register", args=[event.pk]))
    before = snapshot()

    response = client.post(reverse("events:register", args=[event.pk]), follow=True)

    assert "You already have a place or are on the waiting list." in response.content.decode()
    assert snapshot() == before


def test_a_full_event_puts_the_member_on_the_waiting_list_and_shows_their_place(
    member: User,
) -> None:
    event = published_event(capacity=1, join_link=JOIN_LINK)
    seated(event)
    services.register(event_id=event.pk, member=MemberFactory())
    services.register(event_id=event.pk, member=MemberFactory())

    response = signed_in(member).post(reverse("events:register", args=[event.pk]), follow=True)

    html = response.content.decode()
    assert "you are on the waiting list" in html
    assert "You are 3rd on the waiting list" in html
    assert JOIN_LINK not in html


def test_a_member_with_no_place_does_not_see_the_join_link(member: User) -> None:
    event = published_event(join_link=JOIN_LINK)
    seated(event)
    assert JOIN_LINK not in page(signed_in(member), detail(event))


def test_a_member_cancels_their_own_place(member: User) -> None:
    event = published_event()
    seated(event, member)
    response = signed_in(member).post(reverse("events:cancel", args=[event.pk]), follow=True)
    assert "You have cancelled" in response.content.decode()
    assert Registration.objects.get(event=event, member=member).status == Status.CANCELLED


def test_cancelling_touches_only_the_signed_in_members_place(member: User) -> None:
    event = published_event()
    other = seated(event)
    before = snapshot()

    # Whatever the form says, the view cancels for request.user only: this member has no place.
    response = signed_in(member).post(
        reverse("events:cancel", args=[event.pk]),
        {"member": other.pk, "member_id": other.pk, "user": other.pk},
        follow=True,
    )

    assert "You do not have a place at this event to cancel." in response.content.decode()
    assert snapshot() == before
    assert Registration.objects.get(event=event, member=other).status == Status.CONFIRMED


def test_after_closing_time_changes_are_refused_with_the_message(member: User) -> None:
    set_network(registration_closes_hours=24)
    event = published_event(starts_at=timezone.now() + timedelta(hours=3))
    seated(event, member)
    client = signed_in(member)
    html = page(client, detail(event))
    assert "Registration for this event has closed" in html
    assert f'action="{reverse("events:cancel", args=[event.pk])}"' not in html
    before = snapshot()

    response = client.post(reverse("events:cancel", args=[event.pk]), follow=True)

    assert "Registration for this event has closed" in response.content.decode()
    assert snapshot() == before


def test_an_offered_place_shows_its_deadline_and_is_confirmed_with_the_button(
    member: User,
) -> None:
    set_network(waiting_list_offer_hours=24)
    event = published_event(capacity=1)
    first = seated(event)
    services.register(event_id=event.pk, member=member)
    services.cancel_registration(event_id=event.pk, member=first)
    client = signed_in(member)
    html = page(client, detail(event))
    assert "A place has come up for you" in html
    assert "Confirm it by" in html

    client.post(reverse("events:confirm_offer", args=[event.pk]))

    assert Registration.objects.get(event=event, member=member).status == Status.CONFIRMED


def test_confirming_with_no_offer_is_refused_and_changes_nothing(member: User) -> None:
    event = published_event()
    before = snapshot()
    response = signed_in(member).post(reverse("events:confirm_offer", args=[event.pk]), follow=True)
    assert "There is no place waiting for you to confirm" in response.content.decode()
    assert snapshot() == before


def test_a_member_is_warned_of_a_waiting_list_place_at_a_clashing_event(member: User) -> None:
    event = published_event(title="Finance for leaders")
    other = published_event(
        title="Clashing workshop", capacity=1, starts_at=event.starts_at + timedelta(hours=1)
    )
    seated(other)
    services.register(event_id=other.pk, member=member)
    later = published_event(title="Next month", starts_at=event.starts_at + timedelta(days=30))

    html = page(signed_in(member), detail(event))

    assert "This clashes with another event" in html and "Clashing workshop" in html
    assert "This clashes with another event" not in page(signed_in(member), detail(later))


def test_action_urls_take_post_only(member: User) -> None:
    event = published_event()
    client = signed_in(member)
    for name in ("register", "cancel", "confirm_offer", "offer_book"):
        assert client.get(reverse(f"events:{name}", args=[event.pk])).status_code == 405


def test_an_access_needs_answer_too_long_is_shown_as_an_error_and_changes_nothing(
    member: User,
) -> None:
    event = published_event()
    before = snapshot()
    response = signed_in(member).post(
        reverse("events:register", args=[event.pk]), {"access_needs": "x" * 1001}
    )
    html = response.content.decode()
    assert "nhsuk-error-summary" in html and "1,000 characters or fewer" in html
    assert snapshot() == before


def test_an_account_without_a_profile_sees_events_for_everyone_but_cannot_register(
    member: User,
) -> None:
    operator = MemberFactory()
    Profile.objects.filter(user=operator).delete()
    for_all = published_event(title="For everyone")
    published_event(title="For London only", audience_region=Region.LONDON)
    client = signed_in(operator)

    html = page(client, reverse("events:list"))
    assert "For everyone" in html and "For London only" not in html
    assert "Operator accounts cannot register" in page(client, detail(for_all))
    response = client.post(reverse("events:register", args=[for_all.pk]))
    assert response.status_code == 403
    assert "Events are for members with a profile" in response.content.decode()
    assert not Registration.objects.exists()


# ---------------------------------------------------------------------------------------------
# My events and feedback


def test_my_events_shows_places_waiting_positions_and_my_record(member: User) -> None:
    going = published_event(title="Going to this")
    seated(going, member)
    full = published_event(title="Waiting for this", capacity=1)
    seated(full)
    services.register(event_id=full.pk, member=MemberFactory())
    services.register(event_id=full.pk, member=member)
    past = published_event(title="Came to this", starts_at=timezone.now() - timedelta(days=9))
    Registration.objects.create(
        event=past, member=member, status=Status.CONFIRMED, attendance="attended"
    )
    missed = published_event(title="Missed this", starts_at=timezone.now() - timedelta(days=20))
    Registration.objects.create(
        event=missed,
        member=member,
        status=Status.CONFIRMED,
        no_show_cleared_reason="Train cancelled",
    )
    late = published_event(title="Cancelled late", starts_at=timezone.now() - timedelta(days=30))
    Registration.objects.create(
        event=late, member=member, status=Status.CONFIRMED, attendance="cancelled_late"
    )

    html = page(signed_in(member), reverse("events:mine"))

    assert "Going to this" in html
    assert "Waiting for this" in html and "you are 2nd on the waiting list" in html
    assert "Came to this" in html and "Attended" in html
    assert "No-show cleared: Train cancelled" in html
    assert "Cancelled late" in html


def test_feedback_on_a_past_event_is_saved_once(member: User) -> None:
    past = published_event(starts_at=timezone.now() - timedelta(days=2))
    Registration.objects.create(event=past, member=member, status=Status.CONFIRMED)
    client = signed_in(member)
    url = reverse("events:feedback", args=[past.pk])

    client.post(url, {"rating": "4", "what_worked": "The speakers"})
    again = client.post(url, {"rating": "1"})

    feedback = Feedback.objects.get(event=past, member=member)
    assert (feedback.rating, feedback.what_worked) == (4, "The speakers")
    assert "You have already given feedback" in again.content.decode()
    assert Feedback.objects.count() == 1


def test_feedback_from_a_member_without_a_place_is_refused_with_the_reason(member: User) -> None:
    past = published_event(starts_at=timezone.now() - timedelta(days=2))
    response = signed_in(member).post(reverse("events:feedback", args=[past.pk]), {"rating": "5"})
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "Only members who had a place can give feedback" in html
    assert not Feedback.objects.exists()


def test_feedback_needs_a_rating(member: User) -> None:
    past = published_event(starts_at=timezone.now() - timedelta(days=2))
    Registration.objects.create(event=past, member=member, status=Status.CONFIRMED)
    response = signed_in(member).post(reverse("events:feedback", args=[past.pk]), {"rating": "9"})
    assert "nhsuk-error-summary" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_home_page_shows_the_next_events_and_waiting_list_places(member: User) -> None:
    for n in range(4):
        seated(
            published_event(
                title=f"Event number {n}", starts_at=timezone.now() + timedelta(days=n + 1)
            ),
            member,
        )
    full = published_event(title="Full one", capacity=1)
    seated(full)
    services.register(event_id=full.pk, member=member)

    html = page(signed_in(member), reverse("members:home"))

    assert "Your next events" in html
    assert "Event number 0" in html and "Event number 2" in html
    assert "Event number 3" not in html
    assert "Full one" in html and "you are 1st on the waiting list" in html


# ---------------------------------------------------------------------------------------------
# Living libraries


def test_a_living_library_shows_books_and_times_but_never_who_booked(member: User) -> None:
    event = living_library(readers_per_slot=3)
    book = a_book(event, title="Out at work", blurb="Thirty years in theatres.")
    reader = seated(event, MemberFactory(name="Zainab Reader"))
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=event.starts_at)

    html = page(signed_in(member), detail(event))

    assert "never recorded" in html
    assert "Out at work" in html and "Thirty years in theatres." in html
    assert "Zainab Reader" not in html
    assert book.member.name not in html
    assert "Register for the living library first" in html


def test_a_reader_with_a_place_books_and_cancels_a_conversation(member: User) -> None:
    event = living_library()
    book = a_book(event)
    seated(event, member)
    client = signed_in(member)

    client.post(
        reverse("events:book_conversation", args=[book.pk]),
        {"starts_at": event.starts_at.isoformat()},
    )
    booking = Booking.objects.get(reader=member)
    html = page(client, detail(event))
    assert "Your conversations" in html

    client.post(reverse("events:cancel_booking", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_booking_a_time_with_no_conversation_is_refused_and_changes_nothing(member: User) -> None:
    event = living_library()
    book = a_book(event)
    seated(event, member)
    before = snapshot()
    response = signed_in(member).post(
        reverse("events:book_conversation", args=[book.pk]),
        {"starts_at": (event.starts_at + timedelta(minutes=7)).isoformat()},
        follow=True,
    )
    assert "There is no conversation at that time." in response.content.decode()
    assert snapshot() == before


def test_nobody_can_cancel_someone_elses_booking_or_withdraw_someone_elses_book(
    member: User,
) -> None:
    event = living_library()
    book = a_book(event)
    reader = seated(event)
    booking = library.book_conversation(book_id=book.pk, reader=reader, starts_at=event.starts_at)
    seated(event, member)
    client = signed_in(member)
    before = snapshot()

    assert client.post(reverse("events:cancel_booking", args=[booking.pk])).status_code == 404
    assert client.post(reverse("events:withdraw_book", args=[book.pk])).status_code == 404
    assert snapshot() == before


def test_a_book_sees_its_readers_only_once_the_board_has_confirmed(member: User) -> None:
    event = living_library()
    book_member = member_with_topics()
    book = a_book(event, book_member)
    reader = seated(event, MemberFactory(name="Zainab Reader"))
    library.book_conversation(book_id=book.pk, reader=reader, starts_at=event.starts_at)
    client = signed_in(book_member)

    assert "Zainab Reader" not in page(client, detail(event))
    Book.objects.filter(pk=book.pk).update(confirmed_at=timezone.now())
    assert "Zainab Reader" in page(client, detail(event))


def test_a_member_with_topics_offers_to_read_and_withdraws() -> None:
    event = living_library()
    reader = member_with_topics()
    client = signed_in(reader)
    assert "Read as a book" in page(client, detail(event))

    client.post(
        reverse("events:offer_book", args=[event.pk]),
        {"title": "Coming out at fifty", "blurb": "A chief nurse's story."},
    )
    book = Book.objects.get(member=reader)
    assert book.title == "Coming out at fifty"
    client.post(reverse("events:withdraw_book", args=[book.pk]))
    book.refresh_from_db()
    assert book.status == Book.Status.WITHDRAWN


def test_a_member_without_topics_is_not_offered_to_read(member: User) -> None:
    event = living_library()
    assert "Read as a book" not in page(signed_in(member), detail(event))


def test_an_offer_without_a_title_is_shown_as_an_error_and_changes_nothing() -> None:
    event = living_library()
    reader = member_with_topics()
    before = snapshot()
    response = signed_in(reader).post(
        reverse("events:offer_book", args=[event.pk]), {"title": "", "blurb": "Something"}
    )
    assert "nhsuk-error-summary" in response.content.decode()
    assert snapshot() == before
