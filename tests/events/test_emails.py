"""What event mail says to a member: their own place, plainly, with links that work from a mail
program, and never anyone's access needs or another member's name."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from events import library, services
from events.models import Event, Registration
from members.models import User
from network.mail import NotNeeded, render_email, write_announcement_messages
from network.models import Announcement, EmailCategory, OutboundEmail
from tests.events.support import a_book, living_library, mails, published_event, set_network
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
NEEDS = "NEEDS-MARKER wheelchair space"
JOIN = "https://meet.example.org/room-42"
LINK = re.compile(r"""(?:href="|\b)(https?://[^\s"<>]+|/[^\s"<>]*)""")


def rendered(template: str, to: str | None = None) -> EmailMultiAlternatives:
    emails = [e for e in mails(template) if to is None or e.to_email == to]
    assert emails, f"no {template} message"
    return render_email(emails[-1])


def html_of(message: EmailMultiAlternatives) -> str:
    [(html, _)] = message.alternatives
    return str(html)


def check_new_messages(people: list[User], seen: set[int]) -> None:
    """Render each message queued since the last look, as it would be sent now."""
    for email in OutboundEmail.objects.filter(template__startswith="events/").exclude(pk__in=seen):
        seen.add(email.pk)
        message = render_email(email)
        for text in (message.subject, message.body, html_of(message)):
            assert "NEEDS-MARKER" not in text
            for person in people:
                if person.email != email.to_email:
                    assert person.name not in text
            for link in LINK.findall(text):
                assert link.startswith((settings.SITE_URL + "/", JOIN)), link


def test_every_event_message_has_absolute_links_and_no_access_needs_or_other_names(
    board_member: User,
) -> None:
    set_network(waiting_list_offer_hours=24)
    event = published_event(capacity=1, join_link=JOIN)
    people = [MemberFactory(name=n) for n in ("Ada One", "Bea Two", "Cy Three")]
    first, second, third = people
    seen: set[int] = set()
    for person in people:
        services.register(event_id=event.pk, member=person, access_needs=NEEDS)
    services.cancel_registration(event_id=event.pk, member=first)
    check_new_messages(people, seen)
    Registration.objects.filter(event=event, member=second).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    services.lapse_offers()
    check_new_messages(people, seen)
    services.confirm_offer(event_id=event.pk, member=third)
    event.refresh_from_db()
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    services.save_event(event=event, changed=["starts_at", "ends_at"], by=board_member)
    check_new_messages(people, seen)
    Registration.objects.filter(event=event).update(
        status_changed_at=timezone.now() - timedelta(days=10)
    )
    soon = timezone.now() + timedelta(minutes=30)
    Event.objects.filter(pk=event.pk).update(starts_at=soon, ends_at=soon + timedelta(hours=2))
    services.send_reminders()
    check_new_messages(people, seen)
    services.cancel_event(event_id=event.pk, by=board_member, message="The speaker is unwell.")
    held = published_event(starts_at=timezone.now() - timedelta(hours=3))
    Registration.objects.create(event=held, member=first, status="confirmed", access_needs=NEEDS)
    services.request_feedback()
    announced = published_event(status=Event.Status.DRAFT)
    services.publish_event(event_id=announced.pk, by=board_member)
    write_announcement_messages(announcement_id=Announcement.objects.get().pk)
    check_new_messages(people, seen)

    templates = set(OutboundEmail.objects.values_list("template", flat=True))
    assert templates == {
        f"events/{name}"
        for name in ("confirmed", "waiting", "place_cancelled", "offered", "offer_lapsed",
                     "changed", "cancelled", "reminder_day", "reminder_hour", "feedback_request",
                     "announcement")
    }  # fmt: skip


def test_a_waiting_place_says_where_the_member_is_in_the_queue(member: User) -> None:
    event = published_event(capacity=1)
    services.register(event_id=event.pk, member=MemberFactory())
    services.register(event_id=event.pk, member=MemberFactory())
    services.register(event_id=event.pk, member=member)
    message = rendered("events/waiting", to=member.email)
    assert "You are 2nd in the queue." in message.body
    assert f"{settings.SITE_URL}/events/{event.pk}/" in message.body


def test_an_offer_says_its_deadline_in_london_time_and_how_to_confirm(member: User) -> None:
    set_network(waiting_list_offer_hours=24)
    # 10am on a summer day in UTC is 11am in London.
    starts_at = datetime(2031, 7, 20, 10, 0, tzinfo=UTC)
    event = published_event(capacity=1, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    first = MemberFactory()
    services.register(event_id=event.pk, member=first)
    services.register(event_id=event.pk, member=member)
    services.cancel_registration(event_id=event.pk, member=first)
    Registration.objects.filter(event=event, member=member).update(
        offer_expires_at=datetime(2031, 7, 18, 16, 30, tzinfo=UTC)
    )
    message = rendered("events/offered")
    assert "confirm your place by 5:30pm on Friday 18 July 2031 (UK time)" in message.body
    assert "pass to the next person" in message.body
    assert f"{settings.SITE_URL}/events/{event.pk}/" in html_of(message)
    assert "Sunday 20 July 2031, 11am to 12pm (UK time)" in message.body


def test_an_offer_already_taken_up_is_not_sent(member: User) -> None:
    set_network(waiting_list_offer_hours=24)
    event = published_event(capacity=1)
    first = MemberFactory()
    services.register(event_id=event.pk, member=first)
    services.register(event_id=event.pk, member=member)
    services.cancel_registration(event_id=event.pk, member=first)
    services.confirm_offer(event_id=event.pk, member=member)
    with pytest.raises(NotNeeded):
        render_email(mails("events/offered")[0])


def test_a_change_says_what_changed(member: User, board_member: User) -> None:
    event = published_event(format="in_person", venue="Leeds Civic Hall")
    services.register(event_id=event.pk, member=member)
    event.refresh_from_db()
    event.venue, event.starts_at = "Manchester Central", event.starts_at + timedelta(hours=1)
    services.save_event(event=event, changed=["venue", "starts_at"], by=board_member)
    message = rendered("events/changed")
    assert message.subject == f"{event.title} has changed"
    assert "has changed the start time and the venue for" in message.body
    assert "Manchester Central" in message.body
    assert "Your place is still confirmed." in message.body


def test_the_join_link_goes_only_to_confirmed_attendees(member: User, board_member: User) -> None:
    event = published_event(capacity=1, join_link=JOIN)
    services.register(event_id=event.pk, member=member)
    waiter = MemberFactory()
    services.register(event_id=event.pk, member=waiter)
    event.refresh_from_db()
    event.join_link = JOIN + "-new"
    services.save_event(event=event, changed=["join_link"], by=board_member)
    assert JOIN in rendered("events/confirmed").body
    assert JOIN in rendered("events/changed", to=member.email).body
    to_waiter = rendered("events/changed", to=waiter.email)
    assert JOIN not in to_waiter.body + html_of(to_waiter)
    assert "link to join" not in to_waiter.body


def test_the_announcement_links_to_the_event_and_says_how_to_stop_event_emails(
    member: User, board_member: User, django_capture_on_commit_callbacks
) -> None:
    draft = published_event(status=Event.Status.DRAFT, title="Summer networking")
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_event(event_id=draft.pk, by=board_member)
    [email] = [e for e in mails("events/announcement") if e.to_email == member.email]
    assert email.category == EmailCategory.EVENTS
    message = render_email(email)
    assert message.subject == "New event: Summer networking"
    assert f"{settings.SITE_URL}/events/{draft.pk}/" in message.body
    assert "To stop event announcements and reminders" in message.body
    assert f"{settings.SITE_URL}/email/stop/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{settings.SITE_URL}/")


def test_an_event_cancelled_before_its_announcement_goes_is_not_announced(
    member: User, board_member: User
) -> None:
    draft = published_event(status=Event.Status.DRAFT)
    services.publish_event(event_id=draft.pk, by=board_member)
    write_announcement_messages(announcement_id=Announcement.objects.get().pk)
    services.cancel_event(event_id=draft.pk, by=board_member, message="Sorry.")
    with pytest.raises(NotNeeded):
        render_email(mails("events/announcement")[0])


def test_readers_of_a_withdrawn_book_are_told_kindly_without_the_books_name(
    member: User,
) -> None:
    event = living_library()
    book = a_book(event, title="Out at fifty")
    Registration.objects.create(event=event, member=member, status="confirmed")
    starts = library.conversation_times(event)[1]
    library.book_conversation(book_id=book.pk, reader=member, starts_at=starts)
    library.withdraw_book(book_id=book.pk, member=book.member)
    message = rendered("events/book_withdrawn")
    assert "Out at fifty" in message.body
    assert book.member.name not in message.body + message.subject
    london = starts.astimezone(ZoneInfo("Europe/London"))
    assert london.strftime("%-I:%M%p").lower().replace(":00", "") in message.subject
