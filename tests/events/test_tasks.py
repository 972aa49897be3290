"""The periodic event work Celery beat runs: reminders, lapsing offers, feedback requests and
erasing access needs. Each goes once however often it runs."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail as django_mail
from django.utils import timezone

from events import services, tasks
from events.models import Event, Registration
from members.models import User
from network.mail import NotNeeded, deliver, render_email
from network.models import OutboundEmail
from tests.events.support import mails, published_event, set_network
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status
JOIN = "https://meet.example.org/room-42"


def place(event: Event, member: User | None = None, *, status: str = Status.CONFIRMED,
          **fields: object) -> Registration:  # fmt: skip
    """A place made three days ago, long before any reminder window opened."""
    member = member or MemberFactory()
    long_ago = timezone.now() - timedelta(days=3)
    if status == Status.WAITING:
        fields.setdefault("queue_number", Registration.objects.filter(event=event).count() + 1)
    return Registration.objects.create(
        event=event, member=member, status=status, created_at=long_ago,
        status_changed_at=long_ago, **fields,
    )  # fmt: skip


def starting_in(delta: timedelta, **fields: object) -> Event:
    return published_event(starts_at=timezone.now() + delta, **fields)


def run_twice(task) -> list[int]:  # type: ignore[no-untyped-def]
    return [task.delay().get(), task.delay().get()]


def recipients(template: str) -> list[str]:
    return sorted(email.to_email for email in mails(template))


class TestReminders:
    def test_the_day_before_each_confirmed_member_is_reminded_once(self) -> None:
        event = starting_in(timedelta(hours=20), join_link=JOIN)
        going = [place(event), place(event)]
        place(event, status=Status.WAITING)
        place(event, status=Status.CANCELLED)

        assert run_twice(tasks.send_event_reminders) == [2, 0]

        assert recipients("events/reminder_day") == sorted(m.member.email for m in going)
        assert mails("events/reminder_hour") == []
        message = render_email(mails("events/reminder_day")[0])
        assert message.subject == f"Tomorrow: {event.title}"
        assert JOIN in message.body
        for registration in going:
            registration.refresh_from_db()
            assert registration.reminded_day_before_at is not None

    def test_the_hour_before_only_online_and_hybrid_events_send_a_reminder_with_the_link(
        self,
    ) -> None:
        day_done = {"reminded_day_before_at": timezone.now() - timedelta(hours=23)}
        online = starting_in(timedelta(minutes=50), join_link=JOIN)
        hybrid = starting_in(timedelta(minutes=50), format="hybrid", venue="Leeds Civic Hall")
        in_person = starting_in(timedelta(minutes=50), format="in_person", venue="Town hall")
        online_member = place(online, **day_done).member
        hybrid_member = place(hybrid, **day_done).member
        place(in_person, **day_done)
        place(online, status=Status.WAITING)

        assert run_twice(tasks.send_event_reminders) == [2, 0]

        assert recipients("events/reminder_hour") == sorted(
            [online_member.email, hybrid_member.email]
        )
        assert mails("events/reminder_day") == []
        [to_online] = [
            e for e in mails("events/reminder_hour") if e.to_email == online_member.email
        ]
        message = render_email(to_online)
        assert message.subject == f"Starting in an hour: {online.title}"
        assert JOIN in message.body

    def test_draft_and_cancelled_events_send_no_reminders(self) -> None:
        for status in (Event.Status.DRAFT, Event.Status.CANCELLED):
            event = starting_in(timedelta(minutes=50), status=status, join_link=JOIN)
            place(event)
        assert run_twice(tasks.send_event_reminders) == [0, 0]
        assert not OutboundEmail.objects.exists()

    def test_a_place_confirmed_inside_the_window_gets_no_reminder(self) -> None:
        event = starting_in(timedelta(hours=20))
        services.register(event_id=event.pk, member=MemberFactory())
        assert run_twice(tasks.send_event_reminders) == [0, 0]
        assert mails("events/reminder_day") == []

    def test_a_place_given_up_after_the_reminder_was_queued_is_not_reminded(self) -> None:
        event = starting_in(timedelta(hours=20))
        registration = place(event)
        tasks.send_event_reminders.delay()
        Registration.objects.filter(pk=registration.pk).update(status=Status.CANCELLED)
        [email] = mails("events/reminder_day")
        with pytest.raises(NotNeeded):
            render_email(email)
        # Sent now, it is kept as not needed: never sent, and not a failure for the board.
        assert deliver(email_id=email.pk) is False
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.NOT_NEEDED
        assert not django_mail.outbox


class TestOffersLapse:
    def test_an_offer_not_taken_up_in_time_passes_to_the_next_person_once(self) -> None:
        set_network(waiting_list_offer_hours=24)
        event = published_event(capacity=1)
        first = MemberFactory()
        services.register(event_id=event.pk, member=first)
        second = services.register(event_id=event.pk, member=MemberFactory())
        third = services.register(event_id=event.pk, member=MemberFactory())
        services.cancel_registration(event_id=event.pk, member=first)
        second.refresh_from_db()
        assert second.status == Status.OFFERED
        assert second.offer_expires_at is not None
        assert abs(second.offer_expires_at - (timezone.now() + timedelta(hours=24))) < timedelta(
            minutes=1
        )

        assert tasks.lapse_waiting_list_offers.delay().get() == 0
        Registration.objects.filter(pk=second.pk).update(
            offer_expires_at=timezone.now() - timedelta(minutes=1)
        )
        assert run_twice(tasks.lapse_waiting_list_offers) == [1, 0]

        second.refresh_from_db()
        third.refresh_from_db()
        assert second.status == Status.OFFER_LAPSED
        assert third.status == Status.OFFERED
        assert third.offer_expires_at is not None
        assert third.offer_expires_at > timezone.now() + timedelta(hours=23)
        assert recipients("events/offer_lapsed") == [second.member.email]
        assert recipients("events/offered") == sorted([second.member.email, third.member.email])


class TestFeedbackRequests:
    def test_each_member_who_came_is_asked_once(self) -> None:
        event = starting_in(timedelta(hours=-3))
        came = place(event, attendance=Registration.Attendance.ATTENDED)
        unmarked = place(event)
        place(event, attendance=Registration.Attendance.NO_SHOW)
        place(event, status=Status.WAITING)
        place(event, status=Status.CANCELLED)
        starting_in(timedelta(days=2))

        assert run_twice(tasks.request_event_feedback) == [2, 0]

        assert recipients("events/feedback_request") == sorted(
            [came.member.email, unmarked.member.email]
        )
        message = render_email(mails("events/feedback_request")[0])
        assert f"{settings.SITE_URL}/events/{event.pk}/feedback/" in message.body

    def test_cancelled_events_ask_for_no_feedback(self) -> None:
        event = starting_in(timedelta(hours=-3), status=Event.Status.CANCELLED)
        place(event)
        assert run_twice(tasks.request_event_feedback) == [0, 0]


class TestAccessNeeds:
    def test_access_needs_are_erased_a_day_after_the_event_and_kept_until_then(self) -> None:
        needs = {"access_needs": "A seat near the door, please."}
        long_past = place(starting_in(timedelta(days=-2)), **needs)
        just_held = place(starting_in(timedelta(hours=-3)), **needs)
        upcoming = place(starting_in(timedelta(days=3)), **needs)

        assert run_twice(tasks.erase_past_access_needs) == [1, 0]

        for registration, kept in ((long_past, ""), (just_held, needs["access_needs"]),
                                   (upcoming, needs["access_needs"])):  # fmt: skip
            registration.refresh_from_db()
            assert registration.access_needs == kept


def test_beat_runs_each_event_task_on_its_schedule() -> None:
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["events.tasks.send_event_reminders"] == 5 * 60
    assert schedule["events.tasks.lapse_waiting_list_offers"] == 5 * 60
    assert schedule["events.tasks.request_event_feedback"] == 60 * 60
    assert schedule["events.tasks.erase_past_access_needs"] == 24 * 60 * 60
    for name in schedule:
        module, task = name.rsplit(".", 1)
        if module == "events.tasks":
            assert hasattr(tasks, task)
