"""Events in the browser: the board schedules and publishes an event, members take its one
place, wait for it and get it, and give feedback once it is over; and a living library, where a
member reads as a book and learns who booked them only when the board confirms the session."""

from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone
from icalendar import Calendar

from events import library
from events.models import Book, Booking, Event, Registration
from events.templatetags.event_tags import clock
from tests.e2e.conftest import assert_accessible, sign_in
from tests.events.support import living_library, member_with_topics, seated
from tests.factories import BoardMemberFactory, MemberFactory, enable_totp

pytestmark = pytest.mark.browser


def board_message(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".messagelist").inner_text()


def banner(page) -> str:  # type: ignore[no-untyped-def]
    """The notification banner a members' page shows after an action."""
    return page.locator(".nhsuk-notification-banner").inner_text()


def test_the_last_place_passes_from_one_member_to_the_next_who_then_gives_feedback(
    page, another_browser
) -> None:  # type: ignore[no-untyped-def]
    board = BoardMemberFactory(name="Priya Shah")
    secret = enable_totp(board)
    amara = MemberFactory(name="Amara Okafor")
    ben = MemberFactory(name="Ben Whitfield")
    starts = timezone.localtime() + timedelta(days=7)

    # The board schedules an online event with one place, then publishes it.
    admin = another_browser(board, secret=secret)
    admin.goto("/board/events/event/add/")
    admin.locator("#id_title").fill("Leading through winter pressures")
    admin.locator("#id_description").fill("An evening for members across the region.")
    admin.locator("#id_starts_at_0").fill(starts.strftime("%d/%m/%Y"))
    admin.locator("#id_starts_at_1").fill("18:00")
    admin.locator("#id_ends_at_0").fill(starts.strftime("%d/%m/%Y"))
    admin.locator("#id_ends_at_1").fill("20:00")
    admin.locator("#id_format").select_option("online")
    admin.locator("#id_join_link").fill("https://meet.example.org/winter")
    admin.locator("#id_capacity").fill("1")
    admin.locator("input[name=_continue]").click()
    event = Event.objects.get(title="Leading through winter pressures")
    assert event.status == Event.Status.DRAFT
    admin.get_by_role("button", name="Publish and announce").click()
    assert "is published" in board_message(admin)
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED and event.capacity == 1

    # Amara finds it in the list and takes the place, saying what she needs.
    sign_in(page, amara.email)
    page.goto("/events/")
    assert_accessible(page)
    page.get_by_role("link", name="Leading through winter pressures").click()
    assert "1 place left" in page.content()
    assert_accessible(page)
    page.get_by_label("Is there anything you need to take part?").fill("Live captions, please.")
    page.get_by_role("button", name="Register").click()
    assert "Your place is confirmed" in banner(page)
    assert page.get_by_role("link", name="Join the event online").is_visible()
    assert_accessible(page)

    # Ben finds it full and joins the waiting list, first in line.
    ben_page = another_browser(ben)
    ben_page.goto(f"/events/{event.pk}/")
    assert "Full: waiting list" in ben_page.content()
    assert ben_page.get_by_role("link", name="Join the event online").count() == 0
    assert_accessible(ben_page)
    ben_page.get_by_role("button", name="Join the waiting list").click()
    assert "You are 1st on the waiting list" in ben_page.content()
    assert_accessible(ben_page)

    # Amara cannot come after all; her place goes straight to Ben.
    django_mail.outbox.clear()
    page.get_by_role("button", name="Cancel your place").click()
    assert "You have cancelled" in banner(page)
    assert "You cancelled your place" in page.content()
    assert_accessible(page)

    ben_page.reload()
    assert "Your place is confirmed" in ben_page.content()
    assert ben_page.get_by_role("link", name="Join the event online").get_attribute("href") == (
        "https://meet.example.org/winter"
    )
    assert_accessible(ben_page)
    ben_page.goto("/events/mine/")
    assert "You have a place" in ben_page.locator("main").inner_text()
    assert_accessible(ben_page)

    promoted = next(m for m in django_mail.outbox if m.to == [ben.email])
    entries = [a for a in promoted.attachments if a.mimetype.startswith("text/calendar")]
    assert len(entries) == 1
    invitation = Calendar.from_ical(entries[0].content)
    assert invitation["METHOD"] == "REQUEST"
    (entry,) = invitation.walk("VEVENT")
    assert str(entry["ATTENDEE"]) == f"mailto:{ben.email}"

    # The evening is over; the board records that Ben came.
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    place = Registration.objects.get(event=event, member=ben)
    admin.goto(f"/board/events/event/{event.pk}/attendance/")
    admin.locator(f"input[name=attendance-{place.pk}][value=attended]").check()
    admin.get_by_role("button", name="Save attendance").click()
    assert "Attendance saved." in board_message(admin)
    place.refresh_from_db()
    assert place.attendance == Registration.Attendance.ATTENDED

    # Ben is asked what he thought: without a rating he is told what to fix, then thanked.
    ben_page.goto(f"/events/{event.pk}/")
    assert_accessible(ben_page)
    ben_page.get_by_role("link", name="Tell us what you thought of it").click()
    assert_accessible(ben_page)
    ben_page.get_by_label("What worked well? (optional)").fill("Honest talk about rotas.")
    ben_page.get_by_role("button", name="Send feedback").click()
    assert ben_page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert "Choose a rating from 1 to 5" in ben_page.content()
    assert_accessible(ben_page)
    ben_page.get_by_label("5: very good").check()
    ben_page.get_by_role("button", name="Send feedback").click()
    ben_page.wait_for_url("**/events/mine/")
    assert "Thank you for your feedback." in banner(ben_page)
    assert "Given, thank you" in ben_page.content()
    assert_accessible(ben_page)
    assert event.feedback.get().rating == 5


def test_a_book_learns_who_booked_them_only_once_the_board_confirms_the_session(
    page, another_browser
) -> None:  # type: ignore[no-untyped-def]
    board = BoardMemberFactory(name="Priya Shah")
    secret = enable_totp(board)
    event = living_library(title="Living library: our stories")
    chioma = member_with_topics(name="Chioma Eze", topics="Coming out at work in the NHS")
    dev = MemberFactory(name="Dev Patel")
    other_reader = seated(event, MemberFactory(name="Elena Novak"))

    # Chioma offers to read as a book.
    sign_in(page, chioma.email)
    page.goto(f"/events/{event.pk}/")
    assert_accessible(page)
    page.get_by_label("Your book's title").fill("A nurse who came out at fifty")
    page.get_by_label("A short blurb").fill("What changed at work, and what did not.")
    page.get_by_role("button", name="Offer to read as a book").click()
    assert "Thank you for offering to read as a book" in banner(page)
    assert "once the programme board confirms the session" in page.content()
    assert_accessible(page)
    book = Book.objects.get(event=event, member=chioma)
    first, second = library.conversation_times(event)[:2]
    # Another reader has booked the second conversation.
    Booking.objects.create(book=book, reader=other_reader, starts_at=second)

    # Dev registers and books the first conversation with her book.
    dev_page = another_browser(dev)
    dev_page.goto(f"/events/{event.pk}/")
    assert "Register for the living library first" in dev_page.content()
    assert_accessible(dev_page)
    dev_page.get_by_role("button", name="Register").click()
    assert "Your place is confirmed" in banner(dev_page)
    assert_accessible(dev_page)
    at = clock(first)
    dev_page.get_by_role(
        "button", name=f"Book the conversation with “A nurse who came out at fifty” at {at}"
    ).click()
    assert "You have booked a conversation with “A nurse who came out at fifty”" in (
        banner(dev_page)
    )
    text = dev_page.locator("main").inner_text()
    assert "Conversations are private" in text
    assert "Only you can see who you booked." in text
    assert dev_page.locator(".nhsuk-tag", has_text="Booked").count() == 1
    assert "Elena Novak" not in text and "Chioma Eze" not in text
    assert f"{at}\tA nurse who came out at fifty" in text
    assert_accessible(dev_page)
    assert Booking.objects.get(reader=dev).starts_at == first

    # Chioma's page does not name her readers yet.
    page.reload()
    assert "Dev Patel" not in page.content()
    assert "once the programme board confirms the session" in page.content()
    assert_accessible(page)

    # The board sees the grid and confirms the session.
    admin = another_browser(board, secret=secret)
    admin.goto(f"/board/events/event/{event.pk}/library/")
    grid = admin.get_by_role("table", name="Books and the readers booked with them").inner_text()
    assert "Dev Patel" in grid and "Elena Novak" in grid
    admin.get_by_role(
        "button", name="Confirm the session and tell each book who booked them"
    ).click()
    assert "Session confirmed: 1 book(s)" in board_message(admin)

    # Now Chioma sees who booked her.
    page.reload()
    readers = page.get_by_role("table", name="Who booked a conversation with you").inner_text()
    assert "Dev Patel" in readers and "Elena Novak" in readers
    assert_accessible(page)
