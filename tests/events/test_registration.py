"""Registering, waiting, cancelling and taking up an offered place: the rules members meet."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar

from events import services
from events.models import Event, Refusal, Registration
from members.models import Region, User
from network.errors import Refused
from network.models import AuditAction, AuditEvent, OutboundEmail
from tests.events.support import mails, published_event, seated, set_network, snapshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


def refused_and_unchanged(attempt: Callable[[], Any], code: Refusal) -> Refused:
    before = snapshot()
    with pytest.raises(Refused) as refusal:
        attempt()
    assert refusal.value.code == code
    assert snapshot() == before
    return refusal.value


def register(event: Event, member: User | None = None) -> Registration:
    return services.register(event_id=event.pk, member=member or MemberFactory())


def status_of(event: Event, member: User) -> str:
    return Registration.objects.get(event=event, member=member).status


def calendar_in(message: OutboundEmail) -> Calendar:
    [attachment] = message.attachments
    cal = Calendar.from_ical(attachment["content"])
    assert attachment["mimetype"] == f"text/calendar; method={cal['method']}"
    return cal


def attendee_of(cal: Calendar) -> str:
    [entry] = cal.walk("VEVENT")
    return str(entry["attendee"]).removeprefix("mailto:")


def test_a_member_gets_a_seat_while_seats_are_free(member: User) -> None:
    event = published_event(capacity=2)
    registration = register(event, member)
    assert (registration.status, registration.queue_number) == (Status.CONFIRMED, None)
    [confirmation] = mails("events/confirmed")
    assert confirmation.to_email == member.email
    cal = calendar_in(confirmation)
    assert str(cal["method"]) == "REQUEST"
    assert attendee_of(cal) == member.email


def test_a_full_event_puts_members_on_the_waiting_list_in_order() -> None:
    event = published_event(capacity=1)
    register(event)
    first, second = register(event), register(event)
    assert [first.status, second.status] == [Status.WAITING, Status.WAITING]
    assert [services.waiting_place(first), services.waiting_place(second)] == [1, 2]
    assert [m.context["registration_id"] for m in mails("events/waiting")] == [
        first.pk,
        second.pk,
    ]


def test_a_cancelled_seat_goes_to_the_first_waiting_member_with_a_calendar_entry() -> None:
    event = published_event(capacity=1)
    leaving = MemberFactory()
    register(event, leaving)
    first, second = MemberFactory(), MemberFactory()
    register(event, first)
    register(event, second)

    services.cancel_registration(event_id=event.pk, member=leaving)

    assert status_of(event, leaving) == Status.CANCELLED
    assert status_of(event, first) == Status.CONFIRMED
    second_place = Registration.objects.get(event=event, member=second)
    assert (second_place.status, services.waiting_place(second_place)) == (Status.WAITING, 1)
    [promoted] = mails("events/promoted")
    assert promoted.to_email == first.email
    cal = calendar_in(promoted)
    assert (str(cal["method"]), attendee_of(cal)) == ("REQUEST", first.email)
    [cancelled] = mails("events/place_cancelled")
    assert str(calendar_in(cancelled)["method"]) == "CANCEL"


def offer_the_freed_seat(event: Event, *, now: datetime) -> tuple[User, User]:
    """With offers of 24 hours, fill the event's one seat, queue a second member and free the
    seat: it is offered to them. Returns who left and who was offered the seat."""
    set_network(waiting_list_offer_hours=24)
    leaving, waiting = MemberFactory(), MemberFactory()
    register(event, leaving)
    register(event, waiting)
    services.cancel_registration(event_id=event.pk, member=leaving, now=now)
    return leaving, waiting


def test_where_the_network_asks_the_freed_seat_is_offered_until_the_start_at_the_latest() -> None:
    now = timezone.now()
    event = published_event(capacity=1, starts_at=now + timedelta(hours=10))
    _, waiting = offer_the_freed_seat(event, now=now)

    offer = Registration.objects.get(event=event, member=waiting)
    assert offer.status == Status.OFFERED
    # Twenty-four hours would run past the start: the offer ends when the event begins.
    assert offer.offer_expires_at == event.starts_at
    assert [m.to_email for m in mails("events/offered")] == [waiting.email]

    services.confirm_offer(event_id=event.pk, member=waiting, now=now + timedelta(hours=1))
    assert status_of(event, waiting) == Status.CONFIRMED
    assert calendar_in(mails("events/confirmed")[-1])["method"] == "REQUEST"


def test_confirming_an_offer_too_late_is_refused_and_changes_nothing() -> None:
    now = timezone.now()
    event = published_event(capacity=1)
    leaving, waiting = offer_the_freed_seat(event, now=now)
    offer = Registration.objects.get(event=event, member=waiting)
    assert offer.offer_expires_at == now + timedelta(hours=24)

    refusal = refused_and_unchanged(
        lambda: services.confirm_offer(
            event_id=event.pk, member=waiting, now=now + timedelta(hours=24, seconds=1)
        ),
        Refusal.OFFER_LAPSED,
    )
    assert refusal.message == "The place we offered you has passed to the next person."
    # Someone with no offer, or with a seat already, has nothing to confirm.
    for member in (MemberFactory(), leaving):
        refused_and_unchanged(
            lambda member=member: services.confirm_offer(event_id=event.pk, member=member),
            Refusal.NO_OFFER,
        )


@pytest.mark.parametrize("capacity", [1, 0])
def test_registering_twice_is_refused_and_changes_nothing(member: User, capacity: int) -> None:
    # With no seats the first registration waits; either way the second is refused.
    event = published_event(capacity=capacity)
    register(event, member)
    refused_and_unchanged(lambda: register(event, member), Refusal.ALREADY_REGISTERED)


def test_a_member_who_cancelled_can_register_again_on_the_same_record(member: User) -> None:
    event = published_event(capacity=1)
    register(event, member)
    services.cancel_registration(event_id=event.pk, member=member)
    again = register(event, member)
    assert again.status == Status.CONFIRMED
    assert Registration.objects.filter(event=event, member=member).count() == 1


def test_after_registration_closes_registering_and_cancelling_are_refused_with_the_message(
    member: User,
) -> None:
    event = published_event(capacity=5)
    register(event, member)
    closed = event.starts_at - timedelta(hours=1)
    newcomer = MemberFactory()
    for attempt in (
        lambda: services.register(event_id=event.pk, member=newcomer, now=closed),
        lambda: services.cancel_registration(event_id=event.pk, member=member, now=closed),
    ):
        refusal = refused_and_unchanged(attempt, Refusal.CLOSED)
        assert "Registration for this event has closed" in refusal.message
    assert status_of(event, member) == Status.CONFIRMED


def test_registration_waits_for_its_opening_time(member: User) -> None:
    event = published_event(registration_opens_at=timezone.now() + timedelta(days=1))
    refused_and_unchanged(lambda: register(event, member), Refusal.NOT_YET_OPEN)


def test_a_member_outside_the_audience_is_refused(member: User) -> None:
    event = published_event(audience_region=Region.LONDON)
    refused_and_unchanged(lambda: register(event, member), Refusal.NOT_IN_AUDIENCE)
    member.profile.region = Region.LONDON
    member.profile.save()
    assert register(event, member).status == Status.CONFIRMED


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_a_draft_or_cancelled_event_takes_no_registrations(member: User, status: str) -> None:
    event = published_event(status=status)
    refused_and_unchanged(lambda: register(event, member), Refusal.NOT_OPEN)


def test_nobody_cancels_a_place_they_do_not_hold(member: User) -> None:
    event = published_event()
    register(event, member)
    stranger = MemberFactory()
    refused_and_unchanged(
        lambda: services.cancel_registration(event_id=event.pk, member=stranger),
        Refusal.NOT_REGISTERED,
    )
    services.cancel_registration(event_id=event.pk, member=member)
    refused_and_unchanged(
        lambda: services.cancel_registration(event_id=event.pk, member=member),
        Refusal.NOT_REGISTERED,
    )


def test_more_seats_go_to_the_waiting_list_at_once_in_order(board_member: User) -> None:
    event = published_event(capacity=1)
    register(event)
    waiting = [register(event) for _ in range(3)]

    services.change_capacity(event_id=event.pk, capacity=3, by=board_member)

    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITING]
    assert services.waiting_place(Registration.objects.get(pk=waiting[2].pk)) == 1
    assert sorted(m.context["registration_id"] for m in mails("events/promoted")) == [
        waiting[0].pk,
        waiting[1].pk,
    ]
    audit = AuditEvent.objects.get(action=AuditAction.EVENT_CAPACITY_CHANGED)
    assert audit.data == {"from": 1, "to": 3}


def test_a_member_removed_from_events_frees_their_seats_to_come(member: User) -> None:
    full = [published_event(capacity=1), published_event(capacity=1)]
    waiting = []
    for event in full:
        register(event, member)
        waiting.append(register(event))
    past = published_event(starts_at=timezone.now() - timedelta(days=30))
    seated(past, member)

    assert services.remove_member_from_events(member=member) == 2

    assert [status_of(event, member) for event in full] == [Status.REMOVED, Status.REMOVED]
    assert [Registration.objects.get(pk=r.pk).status for r in waiting] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
    ]
    # A past event keeps its record of who was there.
    assert status_of(past, member) == Status.CONFIRMED
    assert services.remove_member_from_events(member=member) == 0
