"""Calendar entries stay right in members' calendars: each file the site sends is parsed back as a
calendar app would read it."""

from datetime import UTC, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from icalendar import Calendar

from events import calendar, services
from events.models import Event, Registration
from members.models import User
from network.mail import render_email
from network.models import NetworkSettings, OutboundEmail
from tests.events.support import mails, published_event, set_network
from tests.factories import MemberFactory

LONDON = ZoneInfo("Europe/London")


def entry_of(email: OutboundEmail) -> tuple[Calendar, Message]:
    """The message's calendar file, parsed, and its MIME part as a mail program sees it."""
    message = render_email(email).message()
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "each message carries exactly one calendar entry"
    [part] = parts
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload), part


def the_event(cal: Calendar):  # type: ignore[no-untyped-def]
    [entry] = cal.walk("VEVENT")
    return entry


def attendees(entry) -> list[str]:  # type: ignore[no-untyped-def]
    value = entry.get("attendee")
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None]


def only(template: str) -> OutboundEmail:
    [email] = mails(template)
    return email


def register(event: Event, member: User) -> Registration:
    return services.register(event_id=event.pk, member=member)


def seat_freed_for(member: User, *, offer_hours: int) -> Event:
    """A full event the member waits for, whose one seat then frees."""
    set_network(waiting_list_offer_hours=offer_hours)
    event = published_event(capacity=1)
    first = MemberFactory()
    register(event, first)
    register(event, member)
    services.cancel_registration(event_id=event.pk, member=first)
    event.refresh_from_db()
    return event


def move(event: Event, board: User, **changes: object) -> Event:
    event = Event.objects.get(pk=event.pk)
    for name, value in changes.items():
        setattr(event, name, value)
    return services.save_event(event=event, changed=list(changes), by=board)


@pytest.mark.django_db
class TestTheEntryAConfirmationCarries:
    def test_a_confirmed_place_carries_a_request_naming_the_organiser_and_the_member(
        self, member: User
    ) -> None:
        event = published_event(venue="Leeds Civic Hall", format="in_person")
        register(event, member)
        cal, part = entry_of(only("events/confirmed"))
        entry = the_event(cal)

        assert str(cal["method"]) == "REQUEST"
        assert part.get_param("method") == "REQUEST"
        network = NetworkSettings.load()
        assert str(entry["organizer"]) == f"mailto:{network.contact_email}"
        assert attendees(entry) == [f"mailto:{member.email}"]
        assert str(entry["uid"]).startswith(str(event.uid))
        assert entry["sequence"] == 0
        assert str(entry["summary"]) == event.title
        assert "Leeds Civic Hall" in str(entry["location"])
        assert str(entry["url"]).startswith(settings.SITE_URL + "/")
        assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]

    def test_an_entry_names_only_its_own_attendee(self, member: User) -> None:
        event = published_event()
        other = MemberFactory(name="Someone Else")
        register(event, other)
        register(event, member)
        [mine] = [e for e in mails("events/confirmed") if e.to_email == member.email]
        entry = the_event(entry_of(mine)[0])
        assert attendees(entry) == [f"mailto:{member.email}"]
        text = entry.to_ical().decode()
        assert "Someone Else" not in text
        assert other.email not in text

    def test_the_join_link_is_in_the_entry_of_a_confirmed_place_only(self, member: User) -> None:
        event = published_event(join_link="https://meet.example.org/room-42", capacity=1)
        register(event, member)
        register(event, MemberFactory())
        entry = the_event(entry_of(only("events/confirmed"))[0])
        assert "https://meet.example.org/room-42" in str(entry["description"])
        waiting = render_email(only("events/waiting"))
        assert "room-42" not in waiting.body
        assert not waiting.attachments

    def test_a_promoted_member_gets_a_request_with_the_current_sequence(self, member: User) -> None:
        event = seat_freed_for(member, offer_hours=0)

        cal, part = entry_of(only("events/promoted"))
        entry = the_event(cal)
        assert str(cal["method"]) == part.get_param("method") == "REQUEST"
        assert attendees(entry) == [f"mailto:{member.email}"]
        assert entry["sequence"] == event.sequence

    def test_confirming_an_offered_place_carries_a_request(self, member: User) -> None:
        event = seat_freed_for(member, offer_hours=24)
        assert not render_email(only("events/offered")).attachments
        services.confirm_offer(event_id=event.pk, member=member)

        [email] = [e for e in mails("events/confirmed") if e.to_email == member.email]
        cal, part = entry_of(email)
        assert str(cal["method"]) == part.get_param("method") == "REQUEST"
        assert attendees(the_event(cal)) == [f"mailto:{member.email}"]


@pytest.mark.django_db
class TestEntriesStayRightThroughChanges:
    def test_each_change_of_time_or_place_raises_the_sequence_under_the_same_uid(
        self, member: User, board_member: User
    ) -> None:
        event = published_event()
        register(event, member)
        uid = str(the_event(entry_of(only("events/confirmed"))[0])["uid"])

        move(event, board_member, starts_at=event.starts_at + timedelta(hours=1),
             ends_at=event.ends_at + timedelta(hours=1))  # fmt: skip
        move(event, board_member, venue="Manchester Central", format="hybrid")
        sent = [entry_of(email) for email in mails("events/changed")]

        assert [str(cal["method"]) for cal, _ in sent] == ["REQUEST", "REQUEST"]
        assert [part.get_param("method") for _, part in sent] == ["REQUEST", "REQUEST"]
        entries = [the_event(cal) for cal, _ in sent]
        assert {str(entry["uid"]) for entry in entries} == {uid}
        assert [entry["sequence"] for entry in entries] == [1, 2]
        # The latest file carries the place as it now is.
        assert "Manchester Central" in str(entries[1]["location"])

    def test_a_change_the_attendees_are_not_told_of_keeps_the_sequence(
        self, member: User, board_member: User
    ) -> None:
        event = published_event()
        register(event, member)
        move(event, board_member, description="Now with a panel of chief nurses.")
        event.refresh_from_db()
        assert event.sequence == 0
        assert mails("events/changed") == []

    def test_cancelling_the_event_sends_a_cancel_with_a_higher_sequence(
        self, member: User, board_member: User
    ) -> None:
        event = published_event()
        register(event, member)
        move(event, board_member, venue="Manchester Central", format="hybrid")
        services.cancel_event(event_id=event.pk, by=board_member, message="The venue flooded.")

        cal, part = entry_of(only("events/cancelled"))
        entry = the_event(cal)
        assert str(cal["method"]) == "CANCEL"
        assert part.get_param("method") == "CANCEL"
        assert str(entry["status"]) == "CANCELLED"
        assert str(entry["uid"]).startswith(str(event.uid))
        assert entry["sequence"] == 2
        assert attendees(entry) == [f"mailto:{member.email}"]
        assert "The venue flooded." in render_email(only("events/cancelled")).body

    def test_a_member_cancelling_gets_a_cancel_that_outranks_their_entry(
        self, member: User
    ) -> None:
        event = published_event()
        register(event, member)
        services.cancel_registration(event_id=event.pk, member=member)

        request = the_event(entry_of(only("events/confirmed"))[0])
        cal, part = entry_of(only("events/place_cancelled"))
        cancel = the_event(cal)
        assert str(cal["method"]) == part.get_param("method") == "CANCEL"
        assert attendees(cancel) == [f"mailto:{member.email}"]
        assert str(cancel["uid"]) == str(request["uid"])
        assert cancel["sequence"] > request["sequence"]

    def test_registering_again_after_cancelling_is_not_older_than_the_cancel(
        self, member: User
    ) -> None:
        event = published_event()
        register(event, member)
        services.cancel_registration(event_id=event.pk, member=member)
        register(event, member)
        cancel = the_event(entry_of(only("events/place_cancelled"))[0])
        again = the_event(entry_of(mails("events/confirmed")[-1])[0])
        assert again["sequence"] >= cancel["sequence"]
        assert again["dtstamp"].dt >= cancel["dtstamp"].dt

    def test_leaving_the_waiting_list_sends_no_calendar_entry(self, member: User) -> None:
        event = published_event(capacity=1)
        register(event, MemberFactory())
        register(event, member)
        services.cancel_registration(event_id=event.pk, member=member)
        assert not render_email(only("events/place_cancelled")).attachments


@pytest.mark.django_db
class TestLondonTime:
    @pytest.mark.parametrize(
        ("day", "utc_offset"),
        [(datetime(2031, 7, 10), timedelta(hours=1)), (datetime(2031, 1, 15), timedelta(0))],
        ids=["summer", "winter"],
    )
    def test_the_start_is_written_in_london_time_with_the_offset_of_that_day(
        self, member: User, day: datetime, utc_offset: timedelta
    ) -> None:
        starts_at = day.replace(hour=18, tzinfo=LONDON)
        event = published_event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
        register(event, member)
        cal, _ = entry_of(only("events/confirmed"))
        entry = the_event(cal)

        assert "DTSTART;TZID=Europe/London:" in entry.to_ical().decode()
        start = entry["dtstart"].dt
        assert start.utcoffset() == utc_offset
        assert (start.hour, start.minute) == (18, 0)
        assert start.astimezone(UTC) == starts_at.astimezone(UTC)
        assert entry["dtend"].dt.astimezone(UTC) == (starts_at + timedelta(hours=2)).astimezone(UTC)
        [zone] = cal.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/London"
        assert {c.name for c in zone.subcomponents} >= {"STANDARD", "DAYLIGHT"}

    def test_an_event_across_the_clock_change_keeps_its_length(self, member: User) -> None:
        # The clocks go back at 2am on 26 October 2031: from 1:30am to 3:30am is three hours.
        starts_at = datetime(2031, 10, 26, 0, 30, tzinfo=UTC)
        event = published_event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
        register(event, member)
        entry = the_event(entry_of(only("events/confirmed"))[0])
        start, end = entry["dtstart"].dt, entry["dtend"].dt
        assert (start.hour, start.minute, end.hour, end.minute) == (1, 30, 3, 30)
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3)
        assert entry["dtstart"].dt.utcoffset() == timedelta(hours=1)
        assert entry["dtend"].dt.utcoffset() == timedelta(0)


@pytest.mark.django_db
class TestThePersonalFeed:
    def test_the_feed_names_itself_asks_to_be_read_again_and_lists_the_events(
        self, member: User, board_member: User
    ) -> None:
        going = published_event(title="Board skills workshop")
        called_off = published_event(title="Summer social")
        register(going, member)
        register(called_off, member)
        services.cancel_event(event_id=called_off.pk, by=board_member, message="Too few places.")
        events = Event.objects.filter(pk__in=[going.pk, called_off.pk]).order_by("pk")

        text = calendar.feed(events, member_name=member.name).decode()
        cal = Calendar.from_ical(text)

        assert str(cal["method"]) == "PUBLISH"
        assert member.name in str(cal["x-wr-calname"])
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
        assert cal["refresh-interval"].dt == timedelta(hours=1)
        assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/London"]
        entries = {str(e["summary"]): e for e in cal.walk("VEVENT")}
        assert str(entries["Board skills workshop"]["status"]) == "CONFIRMED"
        assert str(entries["Summer social"]["status"]) == "CANCELLED"
        assert "ATTENDEE" not in text
