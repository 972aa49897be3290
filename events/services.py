"""Every change to an event and the places at it, one function each.

Seats are decided in the database: each function that can take or free a seat locks the event's
row first (`_lock`), so registrations, cancellations, promotions and capacity changes for one
event run one after another however many arrive at once, and the count of seats they read is the
count they leave. Services take ids and plain values, raise `Refused` when a rule says no
(changing nothing) and queue their mail in the same transaction.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from events import calendar, library
from events.models import Book, Booking, Event, Feedback, Refusal, Registration
from members.models import Profile
from network.errors import Refused
from network.mail import Recipient, queue_announcement, queue_email, queue_emails
from network.models import AuditAction, EmailCategory, NetworkSettings, record

Status = Registration.Status
Attendance = Registration.Attendance

# Changing any of these changes the calendar entry: attendees are told and their calendars updated.
TIME_AND_PLACE = frozenset(
    {"starts_at", "ends_at", "format", "venue", "address", "region", "join_link"}
)
# Access needs are kept for a day after the event, for the board's follow-up, then erased.
ACCESS_NEEDS_KEPT_FOR = timedelta(days=1)
# Feedback is asked for up to this long after an event; later, the request would only puzzle.
FEEDBACK_WINDOW = timedelta(days=7)


def _lock(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def _check_open_for_changes(event: Event, *, now: datetime, network: NetworkSettings) -> None:
    if event.status != Event.Status.PUBLISHED:
        raise Refused(Refusal.NOT_OPEN)
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        raise Refused(Refusal.NOT_YET_OPEN)
    if now >= event.closes_at(closing_hours=network.registration_closes_hours):
        raise Refused(Refusal.CLOSED)


def waiting_place(registration: Registration) -> int:
    """A waiting member's place in the queue: 1 is next."""
    return Registration.objects.filter(
        event_id=registration.event_id,
        status=Status.WAITING,
        queue_number__lte=registration.queue_number,
    ).count()


# ---------------------------------------------------------------------------------------------
# Members: registering, cancelling, taking up an offered place


@transaction.atomic
def register(
    *, event_id: int, member: Any, access_needs: str = "", now: datetime | None = None
) -> Registration:
    """Give the member a seat if one is free and nobody is waiting for it; otherwise a place at
    the end of the waiting list."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    event = _lock(event_id)
    _check_open_for_changes(event, now=now, network=network)
    profile = Profile.objects.filter(user=member).first()
    if not Event.objects.filter(pk=event.pk).open_to(profile).exists():
        raise Refused(Refusal.NOT_IN_AUDIENCE)
    # The event's lock serialises this member's own double clicks too, so looking first is safe.
    registration = Registration.objects.filter(event=event, member=member).first()
    if registration is not None and registration.is_live:
        raise Refused(Refusal.ALREADY_REGISTERED)
    if registration is None:
        registration = Registration(event=event, member=member)
    seats_taken = event.registrations.holding_seats().count()
    if seats_taken < event.capacity and not event.registrations.waiting().exists():
        registration.status, registration.queue_number = Status.CONFIRMED, None
    else:
        event.last_queue_number = F("last_queue_number") + 1
        event.save(update_fields=["last_queue_number"])
        event.refresh_from_db(fields=["last_queue_number"])
        registration.status, registration.queue_number = Status.WAITING, event.last_queue_number
    registration.access_needs = access_needs.strip()
    registration.offer_expires_at = None
    registration.attendance = Attendance.UNKNOWN
    registration.status_changed_at = now
    registration.save()
    if registration.status == Status.CONFIRMED:
        _tell_with_calendar("events/confirmed", event, [registration], method=calendar.REQUEST)
    else:
        _tell("events/waiting", [registration])
    return registration


@transaction.atomic
def cancel_registration(*, event_id: int, member: Any, now: datetime | None = None) -> Registration:
    """Give up a seat, an offered seat or a place on the waiting list; a freed seat goes to the
    next person waiting."""
    now = now or timezone.now()
    network = NetworkSettings.load()
    event = _lock(event_id)
    registration = event.registrations.live().filter(member=member).first()
    if registration is None:
        raise Refused(Refusal.NOT_REGISTERED)
    _check_open_for_changes(event, now=now, network=network)
    held_seat = registration.holds_seat
    in_calendar = registration.status == Status.CONFIRMED
    _end(registration, Status.CANCELLED, now=now)
    if in_calendar:
        # The member's calendar holds the event: take it out. A CANCEL must carry a higher
        # SEQUENCE than the entry it removes (RFC 5546, 3.2.5), and a REQUEST if they register
        # again one no lower, so the event's SEQUENCE rises; other attendees' entries are older
        # and are replaced by any later update as before.
        event.sequence += 1
        event.save(update_fields=["sequence"])
        _tell_with_calendar("events/place_cancelled", event, [registration], method=calendar.CANCEL)
    else:
        _tell("events/place_cancelled", [registration])
    if held_seat:
        _fill_free_seats(event, now=now, network=network)
    return registration


@transaction.atomic
def confirm_offer(*, event_id: int, member: Any, now: datetime | None = None) -> Registration:
    """Take up a seat offered from the waiting list, before the offer runs out."""
    now = now or timezone.now()
    event = _lock(event_id)
    registration = Registration.objects.filter(event=event, member=member).first()
    if registration is not None and registration.offer_has_lapsed(now=now):
        raise Refused(Refusal.OFFER_LAPSED)
    if registration is None or registration.status != Status.OFFERED:
        raise Refused(Refusal.NO_OFFER)
    if event.status != Event.Status.PUBLISHED:
        raise Refused(Refusal.NOT_OPEN)
    registration.status, registration.offer_expires_at = Status.CONFIRMED, None
    registration.status_changed_at = now
    registration.save(update_fields=["status", "offer_expires_at", "status_changed_at"])
    _tell_with_calendar("events/confirmed", event, [registration], method=calendar.REQUEST)
    return registration


def lapse_offers(*, now: datetime | None = None) -> int:
    """Pass on every offered seat whose time to answer has run out (beat task). Returns how many
    offers lapsed; running it twice lapses nothing more."""
    now = now or timezone.now()
    event_ids = set(
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now).values_list(
            "event_id", flat=True
        )
    )
    lapsed = 0
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = _lock(event_id)
            expired = list(
                event.registrations.filter(status=Status.OFFERED, offer_expires_at__lte=now)
            )
            for registration in expired:
                _end(registration, Status.OFFER_LAPSED, now=now)
            _tell("events/offer_lapsed", expired)
            _fill_free_seats(event, now=now, network=NetworkSettings.load())
            lapsed += len(expired)
    return lapsed


def remove_member_from_events(*, member: Any, now: datetime | None = None) -> int:
    """Take a member out of every event still to come (suspension, removal, leaving): their
    seats go to the waiting lists. Returns how many places they lost."""
    now = now or timezone.now()
    event_ids = list(
        Registration.objects.live()
        .filter(member=member, event__ends_at__gt=now)
        .values_list("event_id", flat=True)
    )
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = _lock(event_id)
            registration = event.registrations.live().filter(member=member).first()
            if registration is None:
                continue
            held_seat = registration.holds_seat
            _end(registration, Status.REMOVED, now=now)
            if held_seat:
                _fill_free_seats(event, now=now, network=NetworkSettings.load())
    # A member who reads as a book steps back from living libraries to come; readers are told.
    books = Book.objects.reading().filter(member=member, event__ends_at__gt=now)
    for book_id in books.values_list("pk", flat=True):
        library.withdraw_book(book_id=book_id, member=member, now=now)
    return len(event_ids)


def _end(registration: Registration, status: str, *, now: datetime) -> None:
    registration.status, registration.offer_expires_at = status, None
    registration.status_changed_at = now
    registration.save(update_fields=["status", "offer_expires_at", "status_changed_at"])
    # Living-library conversations are for members with a place: they go with it.
    Booking.objects.booked().filter(
        book__event_id=registration.event_id, reader_id=registration.member_id
    ).update(status=Booking.Status.CANCELLED)


def _fill_free_seats(
    event: Event, *, now: datetime, network: NetworkSettings
) -> list[Registration]:
    """Give free seats to the waiting list in order. The caller holds the event's lock."""
    if event.status != Event.Status.PUBLISHED or event.has_ended(now=now):
        return []
    free = event.capacity - event.registrations.holding_seats().count()
    if free <= 0:
        return []
    promoted = list(event.registrations.waiting()[:free])
    hours = network.waiting_list_offer_hours
    for registration in promoted:
        if hours:
            registration.status = Status.OFFERED
            registration.offer_expires_at = min(now + timedelta(hours=hours), event.starts_at)
        else:
            registration.status = Status.CONFIRMED
        registration.status_changed_at = now
        registration.save(update_fields=["status", "offer_expires_at", "status_changed_at"])
    offered = [r for r in promoted if r.status == Status.OFFERED]
    confirmed = [r for r in promoted if r.status == Status.CONFIRMED]
    _tell("events/offered", offered)
    _tell_with_calendar("events/promoted", event, confirmed, method=calendar.REQUEST)
    return promoted


# ---------------------------------------------------------------------------------------------
# The board: scheduling, publishing, changing, cancelling


@transaction.atomic
def save_event(*, event: Event, changed: Iterable[str], by: Any) -> Event:
    """Save an event the board created or edited (the admin's form has checked the values).

    A change of time or place to a published event raises its calendar SEQUENCE and tells
    everyone with a place; a larger capacity gives the new seats to the waiting list at once.
    """
    now = timezone.now()
    changed = sorted(set(changed))
    if event.pk is None:
        event.created_by = by
        event.save()
        record(actor=by, action=AuditAction.EVENT_CREATED, target=event)
        return event
    current = _lock(event.pk)
    # What the form does not carry stays as the database has it.
    event.status, event.sequence = current.status, current.sequence
    event.last_queue_number = current.last_queue_number
    moved = sorted(TIME_AND_PLACE.intersection(changed))
    if moved and event.status == Event.Status.PUBLISHED:
        event.sequence += 1
    event.save()
    record(
        actor=by,
        action=AuditAction.EVENT_MOVED if moved else AuditAction.EVENT_EDITED,
        target=event,
        data={"fields": changed},
    )
    if "capacity" in changed:
        record(
            actor=by,
            action=AuditAction.EVENT_CAPACITY_CHANGED,
            target=event,
            data={"from": current.capacity, "to": event.capacity},
        )
    if moved and event.status == Event.Status.PUBLISHED:
        with_seats = list(event.registrations.holding_seats())
        _tell_with_calendar("events/changed", event, with_seats, method=calendar.REQUEST)
        _tell("events/changed", list(event.registrations.waiting()))
    if event.capacity > current.capacity:
        _fill_free_seats(event, now=now, network=NetworkSettings.load())
    return event


def change_capacity(*, event_id: int, capacity: int, by: Any) -> Event:
    event = Event.objects.get(pk=event_id)
    event.capacity = capacity
    # An event whose creator's account has gone (or a demo event) has no creator to check.
    event.full_clean(exclude=["created_by"])
    return save_event(event=event, changed=["capacity"], by=by)


@transaction.atomic
def publish_event(*, event_id: int, by: Any) -> Event:
    """Open a draft to members and announce it to its audience (from a task, in batches)."""
    event = _lock(event_id)
    if event.status != Event.Status.DRAFT:
        raise Refused(Refusal.NOT_A_DRAFT)
    now = timezone.now()
    if event.has_ended(now=now):
        raise Refused(Refusal.HAS_ENDED)
    event.status, event.published_at = Event.Status.PUBLISHED, now
    event.save(update_fields=["status", "published_at"])
    record(actor=by, action=AuditAction.EVENT_PUBLISHED, target=event)
    queue_announcement(
        "events/announcement",
        category=EmailCategory.EVENTS,
        context={"event_id": event.pk},
        audience=audience_of(event),
    )
    return event


def audience_of(event: Event) -> dict[str, Any]:
    """The event's audience as lookups on accounts: members with a profile who match each part."""
    lookups: dict[str, Any] = {"profile__isnull": False}
    if event.audience_category_id:
        lookups["profile__category"] = event.audience_category_id
    if event.audience_region:
        lookups["profile__region"] = event.audience_region
    if event.audience_profession:
        lookups["profile__profession"] = event.audience_profession
    return lookups


@transaction.atomic
def copy_event(*, event_id: int, by: Any) -> Event:
    """A new draft with the same details, for the board to give new dates and publish."""
    original = Event.objects.get(pk=event_id)
    copy = Event.objects.get(pk=event_id)
    copy.pk = None
    copy._state.adding = True
    copy.title = f"Copy of {original.title}"[: Event._meta.get_field("title").max_length]
    copy.status = Event.Status.DRAFT
    copy.cancellation_message = ""
    copy.uid = Event._meta.get_field("uid").get_default()
    copy.sequence = copy.last_queue_number = 0
    copy.created_by, copy.created_at = by, timezone.now()
    copy.published_at = copy.cancelled_at = None
    copy.save()
    record(actor=by, action=AuditAction.EVENT_COPIED, target=copy, data={"from": original.pk})
    return copy


@transaction.atomic
def cancel_event(*, event_id: int, by: Any, message: str) -> Event:
    """Call off an event: everyone with a place or waiting is told why, and calendars drop it."""
    message = message.strip()
    if not message:
        raise Refused(Refusal.CANCELLATION_NEEDS_MESSAGE)
    event = _lock(event_id)
    now = timezone.now()
    if event.status == Event.Status.CANCELLED:
        raise Refused(Refusal.ALREADY_CANCELLED)
    if event.has_ended(now=now):
        raise Refused(Refusal.HAS_ENDED)
    was_published = event.status == Event.Status.PUBLISHED
    event.status, event.cancellation_message, event.cancelled_at = (
        Event.Status.CANCELLED,
        message,
        now,
    )
    event.sequence += 1
    event.save(update_fields=["status", "cancellation_message", "cancelled_at", "sequence"])
    record(actor=by, action=AuditAction.EVENT_CANCELLED, target=event, reason=message)
    if was_published:
        with_seats = list(event.registrations.holding_seats())
        _tell_with_calendar("events/cancelled", event, with_seats, method=calendar.CANCEL)
        _tell("events/cancelled", list(event.registrations.waiting()))
        # A living library's books may have no place of their own: they are told as books, and
        # the conversations booked with them go with the event.
        books = list(event.books.filter(status=Book.Status.READING).select_related("member"))
        queue_emails(
            "events/book_event_cancelled",
            [Recipient(book.member.email, book.member.pk, {"book_id": book.pk}) for book in books],
        )
        Booking.objects.filter(book__event=event, status=Booking.Status.BOOKED).update(
            status=Booking.Status.CANCELLED
        )
    return event


# ---------------------------------------------------------------------------------------------
# After the event


@transaction.atomic
def mark_attendance(*, event_id: int, marks: Mapping[int, str], by: Any) -> Event:
    """Record who came, by registration id; the event counts as held from then on."""
    event = _lock(event_id)
    if event.status not in (Event.Status.PUBLISHED, Event.Status.HELD):
        raise Refused(Refusal.NOT_OPEN)
    if event.starts_at > timezone.now():
        raise Refused(Refusal.NOT_ENDED)
    values = {pk: Attendance(value) for pk, value in marks.items()}
    # Only places that were confirmed can be marked; anything else in `marks` is ignored. One
    # update for each mark, so a thousand people cost the board's page three queries.
    for value in set(values.values()):
        chosen = [pk for pk, mark in values.items() if mark == value]
        event.registrations.filter(pk__in=chosen, status=Status.CONFIRMED).update(attendance=value)
    if event.status == Event.Status.PUBLISHED:
        event.status = Event.Status.HELD
        event.save(update_fields=["status"])
    counts = Counter(str(value) for value in values.values())
    record(actor=by, action=AuditAction.ATTENDANCE_MARKED, target=event, data={"counts": counts})
    return event


@transaction.atomic
def clear_no_show(*, registration_id: int, reason: str, by: Any) -> Registration:
    reason = reason.strip()
    if not reason:
        raise Refused(Refusal.REASON_NEEDED)
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    if registration.attendance != Attendance.NO_SHOW:
        raise Refused(Refusal.NO_NO_SHOW)
    registration.attendance, registration.no_show_cleared_reason = Attendance.UNKNOWN, reason
    registration.save(update_fields=["attendance", "no_show_cleared_reason"])
    record(actor=by, action=AuditAction.NO_SHOW_CLEARED, target=registration, reason=reason)
    return registration


def give_feedback(
    *, event_id: int, member: Any, rating: int, what_worked: str = "", what_to_change: str = ""
) -> Feedback:
    event = Event.objects.get(pk=event_id)
    if not event.has_ended(now=timezone.now()) or event.status == Event.Status.CANCELLED:
        raise Refused(Refusal.NOT_ENDED)
    had_place = (
        event.registrations.filter(member=member, status=Status.CONFIRMED)
        .exclude(attendance=Attendance.NO_SHOW)
        .exists()
    )
    if not had_place:
        raise Refused(Refusal.NOT_ATTENDEE)
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                event=event,
                member=member,
                rating=rating,
                what_worked=what_worked.strip(),
                what_to_change=what_to_change.strip(),
            )
    except IntegrityError:
        raise Refused(Refusal.FEEDBACK_GIVEN) from None


# ---------------------------------------------------------------------------------------------
# Beat tasks: reminders, feedback requests, erasing access needs


def _claim(registrations: Any, field: str, *, now: datetime) -> list[int]:
    """Mark the registrations' `field` as done and return the ids this call marked: the
    conditional update is the claim, so a second run, or a second worker, sends nothing."""
    with transaction.atomic():
        # Only the registrations are locked, never the events they join: a beat run must not
        # make members registering for those events wait, nor skip their places.
        ids = list(
            registrations.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", flat=True
            )
        )
        Registration.objects.filter(pk__in=ids, **{field: None}).update(**{field: now})
    return ids


def send_reminders(*, now: datetime | None = None) -> int:
    """The day-before reminder for everyone with a seat, and the hour-before one for online
    events. Each goes once; a place confirmed inside the window has just had its confirmation."""
    now = now or timezone.now()
    seats = Registration.objects.filter(
        status=Status.CONFIRMED, event__status=Event.Status.PUBLISHED, event__starts_at__gt=now
    )
    sent = 0
    for field, window, template, extra in (
        ("reminded_day_before_at", timedelta(days=1), "events/reminder_day", {}),
        ("reminded_hour_before_at", timedelta(hours=1), "events/reminder_hour", {"online": True}),
    ):
        due = seats.filter(
            **{field: None},
            event__starts_at__lte=now + window,
            status_changed_at__lte=F("event__starts_at") - window,
        )
        if extra.get("online"):
            due = due.exclude(event__format="in_person")
        ids = _claim(due, field, now=now)
        sent += _tell_ids(template, ids, category=EmailCategory.EVENTS)
    return sent


def request_feedback(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=Status.CONFIRMED,
        feedback_requested_at=None,
        event__ends_at__lte=now,
        event__ends_at__gt=now - FEEDBACK_WINDOW,
        event__status__in=[Event.Status.PUBLISHED, Event.Status.HELD],
    ).exclude(attendance=Attendance.NO_SHOW)
    ids = _claim(due, "feedback_requested_at", now=now)
    return _tell_ids("events/feedback_request", ids, category=EmailCategory.EVENTS)


def erase_past_access_needs(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return (
        Registration.objects.filter(event__ends_at__lte=now - ACCESS_NEEDS_KEPT_FOR)
        .exclude(access_needs="")
        .update(access_needs="")
    )


# ---------------------------------------------------------------------------------------------
# Telling people


def _recipient(registration: Registration) -> Recipient:
    member = registration.member
    return Recipient(member.email, member.pk, {"registration_id": registration.pk})


def _tell(
    template: str,
    registrations: list[Registration],
    category: EmailCategory = EmailCategory.ESSENTIAL,
) -> None:
    if registrations:
        queue_emails(template, [_recipient(r) for r in registrations], category=category)


def _tell_ids(template: str, registration_ids: list[int], *, category: EmailCategory) -> int:
    rows = Registration.objects.filter(pk__in=registration_ids, member__is_active=True).values_list(
        "pk", "member_id", "member__email"
    )
    recipients = [Recipient(email, user_id, {"registration_id": pk}) for pk, user_id, email in rows]
    queue_emails(template, recipients, category=category)
    return len(recipients)


def _tell_with_calendar(
    template: str, event: Event, registrations: list[Registration], *, method: str
) -> None:
    """One message each, carrying the calendar entry (REQUEST or CANCEL) for that attendee."""
    for registration in registrations:
        member = registration.member
        queue_email(
            template,
            to=member.email,
            user_id=member.pk,
            context={"registration_id": registration.pk},
            attachments=[calendar.attachment(event, attendee=member, method=method)],
        )
