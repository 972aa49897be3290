"""The programme board runs events from the board site: scheduling with clear messages for bad
input, publishing, changing, copying and cancelling, attendance, no-shows, feedback and the
living-library grid. Every change is on the audit record."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events import library, services
from events.models import Booking, Event, Feedback, Kind, Registration
from members.models import User
from network.models import Announcement, AuditAction, AuditEvent
from tests.events.support import a_book, living_library, mails, published_event, seated, snapshot
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

Status = Registration.Status
Attendance = Registration.Attendance


@pytest.fixture
def board(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


def audited(action: AuditAction, target: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, target_type=target._meta.label, target_id=str(target.pk)
        )
    )


def event_form(**overrides: str) -> dict[str, str]:
    """What the board types into the add or change form: times are UK time."""
    return {
        "title": "Leading through winter pressures",
        "description": "An evening for members across the region.",
        "kind": "networking",
        "starts_at_0": "15/01/2030",
        "starts_at_1": "18:00",
        "ends_at_0": "15/01/2030",
        "ends_at_1": "20:00",
        "format": "online",
        "region": "",
        "venue": "",
        "address": "",
        "accessibility": "Live captions.",
        "join_link": "https://meet.example.org/winter",
        "audience_category": "",
        "audience_region": "",
        "audience_profession": "",
        "capacity": "30",
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "slot_minutes": "25",
        "readers_per_slot": "3",
        **overrides,
    }


def form_from(event: Event, **overrides: str) -> dict[str, str]:
    def day(moment: Any) -> str:
        return timezone.localtime(moment).strftime("%d/%m/%Y")

    def clock(moment: Any) -> str:
        return timezone.localtime(moment).strftime("%H:%M")

    current = {
        "title": event.title,
        "description": event.description,
        "kind": event.kind,
        "format": event.format,
        "starts_at_0": day(event.starts_at),
        "starts_at_1": clock(event.starts_at),
        "ends_at_0": day(event.ends_at),
        "ends_at_1": clock(event.ends_at),
        "join_link": event.join_link,
        "capacity": str(event.capacity),
    }
    return event_form(**{**current, **overrides})


ADD = "/board/events/event/add/"


def test_the_board_schedules_a_draft_in_uk_time_and_it_is_on_the_record(
    board: Client, board_member: User
) -> None:
    response = board.post(ADD, event_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert event.status == Event.Status.DRAFT
    assert event.created_by == board_member
    # 18:00 in January is 18:00 UTC; the list shows UK time.
    assert event.starts_at.isoformat() == "2030-01-15T18:00:00+00:00"
    assert audited(AuditAction.EVENT_CREATED, event)
    page = board.get("/board/events/event/").content.decode()
    assert "Tue 15 Jan 2030, 18:00" in page


def test_summer_times_are_read_as_british_summer_time(board: Client) -> None:
    board.post(ADD, event_form(starts_at_0="15/07/2030", ends_at_0="15/07/2030"))
    assert Event.objects.get().starts_at.isoformat() == "2030-07-15T17:00:00+00:00"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at_1": "17:00"}, "The end must be after the start."),
        ({"capacity": "-1"}, "Ensure this value is greater than or equal to 0."),
        (
            {"registration_closes_at_0": "15/01/2030", "registration_closes_at_1": "19:00"},
            "Registration must close by the start.",
        ),
        (
            {"kind": "living_library", "slot_minutes": "180"},
            "A conversation cannot be longer than the event.",
        ),
        ({"format": "in_person"}, "Say where an in-person event takes place."),
    ],
    ids=["end before start", "negative capacity", "closing after start", "slot too long", "venue"],
)
def test_bad_input_shows_the_message_and_creates_nothing(
    board: Client, overrides: dict[str, str], message: str
) -> None:
    response = board.post(ADD, event_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_state_is_not_in_the_form_and_cannot_be_posted(board: Client) -> None:
    event = published_event(capacity=5)
    page = board.get(f"/board/events/event/{event.pk}/change/").content.decode()
    assert 'name="status"' not in page
    board.post(f"/board/events/event/{event.pk}/change/", form_from(event, status="cancelled"))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


def about_events(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries if "events_" in query["sql"])


def test_the_list_counts_places_and_waiting_without_a_query_per_row(board: Client) -> None:
    for n in range(3):
        event = published_event(title=f"Event {n}", capacity=2)
        seated(event)
        Registration.objects.create(
            event=event, member=MemberFactory(), status=Status.WAITING, queue_number=1
        )
    with CaptureQueriesContext(connection) as few:
        board.get("/board/events/event/")
    for n in range(3, 13):
        published_event(title=f"Event {n}", capacity=2)
    with CaptureQueriesContext(connection) as many:
        page = board.get("/board/events/event/").content.decode()
    assert about_events(many) == about_events(few)
    assert "1 of 2" in page


def test_publishing_queues_one_announcement_and_is_recorded(
    board: Client, board_member: User
) -> None:
    event = published_event(status=Event.Status.DRAFT, published_at=None)
    with CaptureQueriesContext(connection) as queries:
        response = board.post(f"/board/events/event/{event.pk}/publish/")
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    announcement = Announcement.objects.get()
    assert announcement.template == "events/announcement"
    assert announcement.context == {"event_id": event.pk}
    assert [a.actor for a in audited(AuditAction.EVENT_PUBLISHED, event)] == [board_member]
    # However large the audience, the page pays for one announcement, not one row each.
    assert len(queries) <= 20
    assert "is published" in board.get(response["Location"]).content.decode()


def test_publishing_twice_is_refused_with_a_message_and_changes_nothing(board: Client) -> None:
    event = published_event()
    before = snapshot()
    response = board.post(f"/board/events/event/{event.pk}/publish/", follow=True)
    assert "Only a draft can be published." in response.content.decode()
    assert snapshot() == before
    assert not Announcement.objects.exists()


def test_publishing_from_the_list_says_which_were_refused(board: Client) -> None:
    draft = published_event(status=Event.Status.DRAFT, published_at=None, title="The draft")
    live = published_event(title="Already out")
    response = board.post(
        "/board/events/event/",
        {"action": "publish", "_selected_action": [str(draft.pk), str(live.pk)]},
        follow=True,
    )
    page = response.content.decode()
    assert "Already out: Only a draft can be published." in page
    assert "1 event(s) published" in page
    assert Event.objects.get(pk=draft.pk).status == Event.Status.PUBLISHED


def test_publishing_is_a_post_only(board: Client) -> None:
    event = published_event(status=Event.Status.DRAFT, published_at=None)
    assert board.get(f"/board/events/event/{event.pk}/publish/").status_code == 405
    assert Event.objects.get().status == Event.Status.DRAFT


def test_moving_a_published_event_tells_attendees_with_a_new_calendar_entry(
    board: Client, django_capture_on_commit_callbacks: Any
) -> None:
    event = published_event(starts_at=datetime(2030, 1, 15, 18, tzinfo=UTC))
    attendee = seated(event)
    response = board.post(
        f"/board/events/event/{event.pk}/change/", form_from(event, starts_at_1="09:00")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.sequence == 1
    assert timezone.localtime(event.starts_at).hour == 9
    [changed] = mails("events/changed")
    assert changed.to_email == attendee.email
    [attachment] = changed.attachments
    calendar = Calendar.from_ical(attachment["content"])
    assert calendar["method"] == "REQUEST"
    assert "method=REQUEST" in attachment["mimetype"]
    [entry] = calendar.walk("VEVENT")
    assert entry["sequence"] == 1
    assert audited(AuditAction.EVENT_MOVED, event)


def test_editing_only_the_description_bumps_nothing_and_tells_nobody(board: Client) -> None:
    event = published_event()
    seated(event)
    board.post(
        f"/board/events/event/{event.pk}/change/", form_from(event, description="New words.")
    )
    event.refresh_from_db()
    assert (event.description, event.sequence) == ("New words.", 0)
    assert not mails("events/changed")
    assert audited(AuditAction.EVENT_EDITED, event)


def test_raising_capacity_promotes_the_waiting_list_at_once(board: Client) -> None:
    event = published_event(capacity=1)
    seated(event)
    waiting = [
        Registration.objects.create(
            event=event, member=MemberFactory(), status=Status.WAITING, queue_number=n
        )
        for n in (1, 2, 3)
    ]
    event.last_queue_number = 3
    event.save()
    response = board.post(f"/board/events/event/{event.pk}/change/", form_from(event, capacity="3"))
    assert response.status_code == 302
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITING]
    assert len(mails("events/promoted")) == 2
    [change] = audited(AuditAction.EVENT_CAPACITY_CHANGED, event)
    assert change.data == {"from": 1, "to": 3}


def test_copying_makes_a_draft_and_opens_it(board: Client, board_member: User) -> None:
    event = published_event(title="Winter pressures")
    seated(event)
    response = board.post(f"/board/events/event/{event.pk}/copy/")
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response["Location"] == f"/board/events/event/{copy.pk}/change/"
    assert (copy.title, copy.status) == ("Copy of Winter pressures", Event.Status.DRAFT)
    assert not copy.registrations.exists()
    assert audited(AuditAction.EVENT_COPIED, copy)


def test_cancelling_needs_a_message_and_changes_nothing_without_one(board: Client) -> None:
    event = published_event()
    seated(event)
    before = snapshot()
    response = board.post(f"/board/events/event/{event.pk}/cancel/", {"message": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert snapshot() == before


def test_cancelling_with_a_message_tells_everyone_and_removes_calendar_entries(
    board: Client, board_member: User
) -> None:
    event = published_event()
    attendee = seated(event)
    page = board.get(f"/board/events/event/{event.pk}/cancel/").content.decode()
    assert "1 people with a place and 0 on the waiting list" in page
    response = board.post(
        f"/board/events/event/{event.pk}/cancel/", {"message": "The venue flooded."}
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.status, event.cancellation_message) == ("cancelled", "The venue flooded.")
    [cancelled] = mails("events/cancelled")
    assert cancelled.to_email == attendee.email
    assert Calendar.from_ical(cancelled.attachments[0]["content"])["method"] == "CANCEL"
    [entry] = audited(AuditAction.EVENT_CANCELLED, event)
    assert (entry.actor, entry.reason) == (board_member, "The venue flooded.")


def test_cancelling_twice_is_refused_with_a_message(board: Client) -> None:
    event = published_event()
    services.cancel_event(event_id=event.pk, by=None, message="The venue flooded.")
    before = snapshot()
    response = board.post(f"/board/events/event/{event.pk}/cancel/", {"message": "Again"})
    assert "This event has already been cancelled." in response.content.decode()
    assert snapshot() == before


def past_event(**fields: Any) -> Event:
    return published_event(starts_at=timezone.now() - timedelta(days=1), **fields)


def test_attendance_is_marked_for_everyone_in_one_go(board: Client, board_member: User) -> None:
    event = past_event()
    came, stayed_away, late = (seated(event) for _ in range(3))
    Registration.objects.filter(member=came).update(access_needs="A hearing loop")
    regs = {r.member_id: r.pk for r in event.registrations.all()}
    url = f"/board/events/event/{event.pk}/attendance/"
    page = board.get(url).content.decode()
    assert came.name in page and "A hearing loop" in page
    everyone = board.get(f"{url}?everyone").content.decode()
    assert everyone.count("checked") == 3
    response = board.post(
        url,
        {
            f"attendance-{regs[came.pk]}": "attended",
            f"attendance-{regs[stayed_away.pk]}": "no_show",
            f"attendance-{regs[late.pk]}": "cancelled_late",
        },
    )
    assert response.status_code == 302
    marks = dict(event.registrations.values_list("member_id", "attendance"))
    assert marks == {came.pk: "attended", stayed_away.pk: "no_show", late.pk: "cancelled_late"}
    event.refresh_from_db()
    assert event.status == Event.Status.HELD
    [entry] = audited(AuditAction.ATTENDANCE_MARKED, event)
    assert entry.actor == board_member


@pytest.mark.parametrize(
    "sent",
    [{"attendance-{pk}": "maybe"}, {}],
    ids=["a choice never offered", "nothing marked"],
)
def test_attendance_with_bad_choices_shows_a_message_and_changes_nothing(
    board: Client, sent: dict[str, str]
) -> None:
    event = past_event()
    registration = event.registrations.get(member=seated(event))
    before = snapshot()
    data = {name.format(pk=registration.pk): value for name, value in sent.items()}
    response = board.post(f"/board/events/event/{event.pk}/attendance/", data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert snapshot() == before


def test_attendance_waits_until_the_event_has_started(board: Client) -> None:
    event = published_event()
    registration = event.registrations.get(member=seated(event))
    before = snapshot()
    response = board.post(
        f"/board/events/event/{event.pk}/attendance/",
        {f"attendance-{registration.pk}": "attended"},
    )
    assert "Attendance and feedback wait until the event has ended." in response.content.decode()
    assert snapshot() == before


def test_the_attendance_page_for_a_thousand_people_needs_few_queries(board: Client) -> None:
    event = past_event(capacity=1000)
    people = User.objects.bulk_create(
        User(email=f"crowd{n}@example.org", name=f"Crowd {n:04}") for n in range(1000)
    )
    Registration.objects.bulk_create(
        Registration(event=event, member=person, status=Status.CONFIRMED) for person in people
    )
    url = f"/board/events/event/{event.pk}/attendance/"
    with CaptureQueriesContext(connection) as shown:
        page = board.get(url)
    assert page.status_code == 200
    assert len(shown) <= 20
    marks = {
        f"attendance-{pk}": "attended" for pk in event.registrations.values_list("pk", flat=True)
    }
    with CaptureQueriesContext(connection) as saved:
        response = board.post(url, marks)
    assert response.status_code == 302
    assert len(saved) <= 20
    assert event.registrations.filter(attendance="attended").count() == 1000


def test_clearing_a_no_show_needs_a_reason(board: Client, board_member: User) -> None:
    event = past_event()
    registration = event.registrations.get(member=seated(event))
    registration.attendance = Attendance.NO_SHOW
    registration.save()
    url = f"/board/events/registration/{registration.pk}/clear-no-show/"
    before = snapshot()
    response = board.post(url, {"reason": ""})
    assert "This field is required." in response.content.decode()
    assert snapshot() == before

    response = board.post(url, {"reason": "Their train was cancelled."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.attendance == Attendance.UNKNOWN
    assert registration.no_show_cleared_reason == "Their train was cancelled."
    [entry] = audited(AuditAction.NO_SHOW_CLEARED, registration)
    assert (entry.actor, entry.reason) == (board_member, "Their train was cancelled.")


def test_clearing_where_there_is_no_no_show_is_refused(board: Client) -> None:
    event = past_event()
    registration = event.registrations.get(member=seated(event))
    before = snapshot()
    response = board.post(
        f"/board/events/registration/{registration.pk}/clear-no-show/", {"reason": "Kindness"}
    )
    assert "There is no no-show to clear on this place." in response.content.decode()
    assert snapshot() == before


def test_the_board_sees_registrations_for_an_event_but_cannot_add_or_delete(
    board: Client,
) -> None:
    event = published_event(capacity=1)
    other = published_event(title="Another evening")
    seated(other, MemberFactory(name="Not At This One"))
    first = seated(event, MemberFactory(name="Asha Patel"))
    Registration.objects.filter(member=first).update(access_needs="Step-free access")
    Registration.objects.create(
        event=event, member=MemberFactory(name="Ben Okoro"), status=Status.WAITING, queue_number=4
    )
    page = board.get(f"/board/events/registration/?event__id__exact={event.pk}").content.decode()
    assert "Asha Patel" in page and "Step-free access" in page
    assert "Ben Okoro" in page and "Not At This One" not in page
    assert '<td class="field-waiting_position">1</td>' in page
    assert board.get("/board/events/registration/add/").status_code == 403
    registration = Registration.objects.get(member=first)
    assert board.get(f"/board/events/registration/{registration.pk}/delete/").status_code == 403


def test_the_feedback_summary_shows_figures_and_comments_without_names(board: Client) -> None:
    event = past_event()
    for rating, worked in ((5, "Honest stories"), (4, ""), (2, "Too short")):
        person = seated(event, MemberFactory(name=f"Rater {rating}"))
        Feedback.objects.create(event=event, member=person, rating=rating, what_worked=worked)
    page = board.get(f"/board/events/event/{event.pk}/feedback/").content.decode()
    assert "3 people gave feedback, with an average rating of 3.7 out of 5." in page
    assert "Honest stories" in page and "Too short" in page
    assert "Rater" not in page


def test_the_living_library_grid_shows_readers_and_confirms_the_session(
    board: Client, board_member: User
) -> None:
    event = living_library()
    book = a_book(event, title="A nurse who came out at fifty")
    reader = seated(event, MemberFactory(name="Reader Rowan"))
    first = library.conversation_times(event)[0]
    Booking.objects.create(book=book, reader=reader, starts_at=first)
    page = board.get(f"/board/events/event/{event.pk}/library/").content.decode()
    assert "A nurse who came out at fifty" in page and "Reader Rowan" in page
    assert timezone.localtime(first).strftime("%H:%M") in page
    response = board.post(f"/board/events/event/{event.pk}/library/confirm/", follow=True)
    assert "1 book(s) told who booked them" in response.content.decode()
    book.refresh_from_db()
    assert book.confirmed_at is not None
    assert audited(AuditAction.LIVING_LIBRARY_CONFIRMED, event)
    assert mails("events/library_confirmed")


def test_an_event_that_is_not_a_living_library_has_no_grid(board: Client) -> None:
    event = published_event(kind=Kind.WORKSHOP)
    assert board.get(f"/board/events/event/{event.pk}/library/").status_code == 404


def test_nobody_but_a_board_member_with_mfa_reaches_the_events_pages(client: Client) -> None:
    event = past_event(kind=Kind.LIVING_LIBRARY)
    registration = event.registrations.get(member=seated(event))
    pages = [
        "/board/events/event/",
        "/board/events/event/add/",
        f"/board/events/event/{event.pk}/change/",
        f"/board/events/event/{event.pk}/cancel/",
        f"/board/events/event/{event.pk}/attendance/",
        f"/board/events/event/{event.pk}/feedback/",
        f"/board/events/event/{event.pk}/library/",
        "/board/events/registration/",
        f"/board/events/registration/{registration.pk}/clear-no-show/",
    ]
    posts = [
        f"/board/events/event/{event.pk}/publish/",
        f"/board/events/event/{event.pk}/copy/",
        f"/board/events/event/{event.pk}/library/confirm/",
        f"/board/events/event/{event.pk}/cancel/",
    ]
    for person in (MemberFactory(), BoardMemberFactory()):  # the board member has no MFA
        client.force_login(person)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
        before = snapshot()
        for url in posts:
            assert client.post(url, {"message": "Gone"}).status_code == 302, url
        assert snapshot() == before
