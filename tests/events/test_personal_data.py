"""A member's events in "download my data", and what leaving takes away."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from events import feeds, services
from events.models import Book, Booking, CalendarFeed, Event, Feedback, Registration
from members.models import User
from members.services import erase_member
from network.personal_data import export_for
from tests.events.support import a_book, living_library, mails, published_event, set_network
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


def held(**fields: object) -> Event:
    starts_at = timezone.now() - timedelta(days=3)
    return published_event(starts_at=starts_at, status=Event.Status.HELD, **fields)


@pytest.fixture
def other() -> User:
    return MemberFactory(name="Nobody Else-Entirely", email="nobody.else@example.org")


class TestDownloadMyData:
    def test_the_export_holds_the_members_places_feedback_books_and_bookings(
        self, member: User, other: User
    ) -> None:
        upcoming = published_event(title="Board skills workshop")
        services.register(event_id=upcoming.pk, member=member, access_needs="Step-free access")
        past = held(title="Spring networking evening")
        Registration.objects.create(
            event=past, member=member, status=Status.CONFIRMED,
            attendance=Registration.Attendance.ATTENDED,
        )  # fmt: skip
        Feedback.objects.create(event=past, member=member, rating=5, what_worked="The speakers")
        library = living_library()
        book = a_book(library, member, title="Out at fifty", blurb="Ask me about coming out.")
        others_book = a_book(library, other, title="A ward sister's story", blurb="Other blurb")
        Booking.objects.create(book=others_book, reader=member, starts_at=library.starts_at)
        feeds.new_feed_link(member=member)

        section = export_for(member)["events"]

        assert {(r["event"], r["status"], r["attendance"], r["access_needs"])
                for r in section["registrations"]} == {
            ("Board skills workshop", Status.CONFIRMED, "", "Step-free access"),
            ("Spring networking evening", Status.CONFIRMED, "attended", ""),
        }  # fmt: skip
        assert [(f["event"], f["rating"], f["what_worked"]) for f in section["feedback"]] == [
            ("Spring networking evening", 5, "The speakers")
        ]
        assert [(b["title"], b["blurb"]) for b in section["books"]] == [(book.title, book.blurb)]
        assert [(b["book"], b["status"]) for b in section["bookings"]] == [
            ("A ward sister's story", Booking.Status.BOOKED)
        ]
        assert section["calendar_feed_made_at"] is not None

    def test_the_export_holds_nothing_of_another_member(self, member: User, other: User) -> None:
        event = published_event(capacity=1)
        services.register(event_id=event.pk, member=other, access_needs="OTHER-NEEDS-MARKER")
        services.register(event_id=event.pk, member=member)
        past = held()
        for person in (member, other):
            Registration.objects.create(event=past, member=person, status=Status.CONFIRMED)
        Feedback.objects.create(event=past, member=other, rating=1, what_worked="OTHER-FEEDBACK")
        library = living_library()
        others_book = a_book(library, other, blurb="OTHER-BLURB")
        Booking.objects.create(book=others_book, reader=other, starts_at=library.starts_at)
        Booking.objects.create(book=a_book(library, member), reader=other,
                               starts_at=library.starts_at)  # fmt: skip

        text = json.dumps(export_for(member)["events"])

        for marker in ("OTHER-NEEDS-MARKER", "OTHER-FEEDBACK", "OTHER-BLURB", other.name,
                       other.email, "Nobody"):  # fmt: skip
            assert marker not in text
        assert json.loads(text)["bookings"] == []


class TestLeaving:
    def test_erasure_frees_the_seat_and_the_next_person_is_promoted_and_told(
        self, member: User, other: User
    ) -> None:
        set_network(waiting_list_offer_hours=0)
        event = published_event(capacity=1)
        services.register(event_id=event.pk, member=member, access_needs="A quiet room")
        services.register(event_id=event.pk, member=other)

        erase_member(user=member, actor=member, reason="")

        mine = Registration.objects.get(event=event, member=member)
        theirs = Registration.objects.get(event=event, member=other)
        assert mine.status == Status.REMOVED
        assert mine.access_needs == ""
        assert theirs.status == Status.CONFIRMED
        assert [e.to_email for e in mails("events/promoted")] == [other.email]

    def test_erasure_takes_what_the_member_wrote_and_keeps_the_counts(
        self, member: User, other: User
    ) -> None:
        past = held()
        Registration.objects.create(
            event=past, member=member, status=Status.CONFIRMED,
            attendance=Registration.Attendance.ATTENDED, access_needs="A hearing loop",
        )  # fmt: skip
        feedback = Feedback.objects.create(event=past, member=member, rating=4, what_worked="Yes")
        book = a_book(held(kind="living_library"), member, blurb="My own story.")
        feeds.new_feed_link(member=member)

        erase_member(user=member, actor=member, reason="")

        registration = Registration.objects.get(event=past, member=member)
        assert registration.attendance == Registration.Attendance.ATTENDED
        assert registration.access_needs == ""
        feedback.refresh_from_db()
        assert feedback.member is None
        assert feedback.rating == 4
        book.refresh_from_db()
        assert book.blurb == ""
        assert "My own story" not in book.title
        assert not CalendarFeed.objects.filter(member=member).exists()
        assert Book.objects.filter(member=member).count() == 1
        assert export_for(member)["events"]["feedback"] == []
