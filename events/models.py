"""Events, the places members hold at them, and living libraries.

Every change of seats (registering, cancelling, promoting from the waiting list, changing the
capacity) happens in events.services under a lock on the event's row, so the database, not the
page, decides who has a seat. docs/data-model.md describes the states.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.models import Profession, Region
from network.models import MembershipCategory


class Refusal(models.TextChoices):
    """Why an event said no: a code views map to a page, and the words a member reads."""

    NOT_OPEN = "not_open", "This event is not open for registration."
    NOT_YET_OPEN = "not_yet_open", "Registration for this event has not opened yet."
    CLOSED = (
        "closed",
        "Registration for this event has closed, so places can no longer be booked or cancelled "
        "here. If you cannot come, please write to the programme board.",
    )
    NOT_IN_AUDIENCE = "not_in_audience", "This event is for a different group of members."
    ALREADY_REGISTERED = (
        "already_registered",
        "You already have a place or are on the waiting list.",
    )
    NOT_REGISTERED = "not_registered", "You do not have a place at this event to cancel."
    NO_OFFER = "no_offer", "There is no place waiting for you to confirm at this event."
    OFFER_LAPSED = "offer_lapsed", "The place we offered you has passed to the next person."
    NOT_A_DRAFT = "not_a_draft", "Only a draft can be published."
    ALREADY_CANCELLED = "already_cancelled", "This event has already been cancelled."
    HAS_ENDED = "has_ended", "This event has already ended."
    NOT_ENDED = "not_ended", "Attendance and feedback wait until the event has ended."
    CANCELLATION_NEEDS_MESSAGE = (
        "cancellation_needs_message",
        "Write a message to tell everyone why the event is cancelled.",
    )
    NO_NO_SHOW = "no_no_show", "There is no no-show to clear on this place."
    REASON_NEEDED = "reason_needed", "Give a reason for clearing the no-show."
    NOT_ATTENDEE = "not_attendee", "Only members who had a place can give feedback on this event."
    FEEDBACK_GIVEN = "feedback_given", "You have already given feedback on this event."
    NOT_LIVING_LIBRARY = "not_living_library", "This event is not a living library."
    NOT_A_BOOK = (
        "not_a_book",
        "Offer living-library topics on your profile before reading as a book.",
    )
    BOOK_WITHDRAWN = "book_withdrawn", "This book has withdrawn from the living library."
    NO_SUCH_SLOT = "no_such_slot", "There is no conversation at that time."
    SLOT_FULL = "slot_full", "That conversation is full. Please choose another time."
    ALREADY_BOOKED = "already_booked", "You have already booked that conversation."
    OWN_BOOK = "own_book", "You cannot book a conversation with yourself."
    NEEDS_PLACE = "needs_place", "Register for the living library before booking a conversation."
    SLOT_TOO_LONG = "slot_too_long", "A conversation cannot be longer than the event."
    BOOK_DETAILS_NEEDED = (
        "book_details_needed",
        "Give your book a title of up to 120 characters and a blurb of up to 1,000 characters.",
    )
    ALREADY_A_BOOK = "already_a_book", "You are already a book at this living library."
    NOT_YOUR_BOOK = "not_your_book", "You do not have a book like that at a living library."
    NOT_YOUR_BOOKING = "not_your_booking", "You do not have a booking like that to cancel."
    TIME_TAKEN = (
        "time_taken",
        "You already have a conversation booked at that time. Please choose another time.",
    )
    FEED_LINK_UNKNOWN = (
        "feed_link_unknown",
        "This calendar link is not known. It may have been renewed.",
    )


class Kind(models.TextChoices):
    NETWORKING = "networking", "Networking"
    WORKSHOP = "workshop", "Workshop"
    WEBINAR = "webinar", "Webinar"
    LIVING_LIBRARY = "living_library", "Living library"


class Format(models.TextChoices):
    ONLINE = "online", "Online"
    IN_PERSON = "in_person", "In person"
    HYBRID = "hybrid", "Online and in person"


class EventQuerySet(models.QuerySet["Event"]):
    def published(self) -> "EventQuerySet":
        """Events members can see: published, and cancelled or held ones they may have been at."""
        return self.exclude(status=Event.Status.DRAFT)

    def upcoming(self, *, now: datetime) -> "EventQuerySet":
        return self.filter(ends_at__gt=now).order_by("starts_at", "pk")

    def past(self, *, now: datetime) -> "EventQuerySet":
        return self.filter(ends_at__lte=now).order_by("-starts_at", "-pk")

    def open_to(self, profile: Any) -> "EventQuerySet":
        """Events whose audience takes in this member (an empty audience part takes in everyone).

        `profile` is the member's Profile, or None for an account without one (the operator),
        which sees only events for everyone.
        """
        category = getattr(profile, "category_id", None)
        region = getattr(profile, "region", "") or None
        profession = getattr(profile, "profession", "") or None
        return self.filter(
            Q(audience_category__isnull=True) | Q(audience_category=category),
            Q(audience_region="") | Q(audience_region=region),
            Q(audience_profession="") | Q(audience_profession=profession),
        )


class Event(models.Model):
    """Something the network holds: times are stored in UTC and shown in Europe/London."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held"

    title = models.CharField(max_length=150)
    description = models.TextField(max_length=5000)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NETWORKING)
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.ONLINE)
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    region = models.CharField(
        max_length=30,
        choices=Region.choices,
        blank=True,
        help_text="Where an in-person or hybrid event takes place, for filtering by region.",
    )
    venue = models.CharField(max_length=200, blank=True)
    address = models.TextField(max_length=500, blank=True)
    accessibility = models.TextField(
        "accessibility notes",
        max_length=2000,
        blank=True,
        help_text="Step-free access, hearing loops, quiet rooms, captions: what people need.",
    )
    join_link = models.URLField(
        max_length=500, blank=True, help_text="Shown only to members with a confirmed place."
    )
    capacity = models.PositiveIntegerField(
        help_text="Places available. Raising it offers the new places to the waiting list at once."
    )
    registration_opens_at = models.DateTimeField(
        "registration opens", null=True, blank=True, help_text="Empty: as soon as it is published."
    )
    registration_closes_at = models.DateTimeField(
        "registration closes",
        null=True,
        blank=True,
        help_text="Empty: the set time before the start in the network settings.",
    )
    audience_category = models.ForeignKey(
        MembershipCategory,
        verbose_name="only for members in the category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_region = models.CharField(
        "only for members in the region", max_length=30, choices=Region.choices, blank=True
    )
    audience_profession = models.CharField(
        "only for members of the profession", max_length=30, choices=Profession.choices, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancellation_message = models.TextField(max_length=2000, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        "conversation length in minutes",
        default=25,
        help_text="Living libraries: how long each conversation with a book lasts.",
    )
    readers_per_slot = models.PositiveSmallIntegerField(
        "readers a conversation",
        default=3,
        help_text="Living libraries: at most this many readers join one conversation.",
    )
    # The calendar entry's identity and version: calendars replace an entry with the same UID
    # and a higher SEQUENCE, so every change the attendees are told of raises it.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Numbers handed out to people joining the waiting list, under the event's lock: their order.
    last_queue_number = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["status", "ends_at"], name="event_listing")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__lte=models.F("starts_at")),
                name="registration_closes_by_start",
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_opens_at__lt=models.F("registration_closes_at")),
                name="registration_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The rules a board member's form is checked against, each with words to fix it."""
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = "The end must be after the start."
            elif self.kind == Kind.LIVING_LIBRARY and self.slot_minutes > (
                (self.ends_at - self.starts_at).total_seconds() // 60
            ):
                errors["slot_minutes"] = str(Refusal.SLOT_TOO_LONG.label)
        closes, opens = self.registration_closes_at, self.registration_opens_at
        if self.starts_at and closes and closes > self.starts_at:
            errors["registration_closes_at"] = "Registration must close by the start."
        if opens and closes and opens >= closes:
            errors["registration_opens_at"] = "Registration must open before it closes."
        if self.kind == Kind.LIVING_LIBRARY and not self.readers_per_slot:
            errors["readers_per_slot"] = "A conversation needs room for at least one reader."
        if self.is_in_person and not self.venue:
            errors["venue"] = "Say where an in-person event takes place."
        if errors:
            raise ValidationError(errors)

    @property
    def is_online(self) -> bool:
        return self.format in (Format.ONLINE, Format.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (Format.IN_PERSON, Format.HYBRID)

    @property
    def is_living_library(self) -> bool:
        return self.kind == Kind.LIVING_LIBRARY

    def closes_at(self, *, closing_hours: int) -> datetime:
        """When members may no longer register or cancel: the event's own time, or the network's
        set number of hours before the start."""
        if self.registration_closes_at is not None:
            return self.registration_closes_at
        return self.starts_at - timedelta(hours=closing_hours)

    def is_open_for_changes(self, *, now: datetime, closing_hours: int) -> bool:
        if self.status != Event.Status.PUBLISHED:
            return False
        if self.registration_opens_at is not None and now < self.registration_opens_at:
            return False
        return now < self.closes_at(closing_hours=closing_hours)

    def has_ended(self, *, now: datetime) -> bool:
        return self.ends_at <= now


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def holding_seats(self) -> "RegistrationQuerySet":
        """Registrations that take a seat: confirmed, or offered and not yet answered."""
        return self.filter(status__in=Registration.HOLDING_SEAT)

    def waiting(self) -> "RegistrationQuerySet":
        return self.filter(status=Registration.Status.WAITING).order_by("queue_number")

    def live(self) -> "RegistrationQuerySet":
        """Registrations still in play: a seat, an offer or a place on the waiting list."""
        return self.filter(status__in=Registration.LIVE)


class Registration(models.Model):
    """A member's place at an event: one row per member and event, whatever happens to it."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Place confirmed"
        WAITING = "waiting", "On the waiting list"
        # Promoted from the waiting list where the network asks people to confirm: the seat is
        # held for them until `offer_expires_at`, then passes on.
        OFFERED = "offered", "Place offered, waiting for an answer"
        CANCELLED = "cancelled", "Cancelled"
        OFFER_LAPSED = "offer_lapsed", "Offered place not taken up in time"
        REMOVED = "removed", "Removed from the event"

    class Attendance(models.TextChoices):
        UNKNOWN = "", "Not marked"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "Did not come"
        CANCELLED_LATE = "cancelled_late", "Cancelled late"

    HOLDING_SEAT = (Status.CONFIRMED, Status.OFFERED)
    LIVE = (Status.CONFIRMED, Status.OFFERED, Status.WAITING)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    # Order on the waiting list: handed out under the event's lock, so no two are the same.
    queue_number = models.PositiveIntegerField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    access_needs = models.TextField(
        max_length=1000,
        blank=True,
        help_text="Seen by the programme board only, and erased after the event.",
    )
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, blank=True, default=Attendance.UNKNOWN
    )
    no_show_cleared_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Claimed by conditional updates, so a reminder or request goes at most once.
    reminded_day_before_at = models.DateTimeField(null=True, blank=True)
    reminded_hour_before_at = models.DateTimeField(null=True, blank=True)
    feedback_requested_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["event", "queue_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_registration_each"),
            models.UniqueConstraint(
                fields=["event", "queue_number"],
                condition=Q(queue_number__isnull=False),
                name="one_member_per_queue_number",
            ),
            models.CheckConstraint(
                condition=~Q(status="waiting") | Q(queue_number__isnull=False),
                name="waiting_has_queue_number",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"], name="registration_member"),
            models.Index(fields=["event", "status"], name="registration_event"),
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.event}"

    @property
    def holds_seat(self) -> bool:
        return self.status in self.HOLDING_SEAT

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

    def offer_has_lapsed(self, *, now: datetime) -> bool:
        if self.status == self.Status.OFFER_LAPSED:
            return True
        expires = self.offer_expires_at
        return self.status == self.Status.OFFERED and expires is not None and expires <= now


class Feedback(models.Model):
    """What one member thought of an event. Other members never see who said what."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(choices=[(n, str(n)) for n in range(1, 6)])
    what_worked = models.TextField(max_length=2000, blank=True)
    what_to_change = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_feedback_each"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.event}"


class BookQuerySet(models.QuerySet["Book"]):
    def reading(self) -> "BookQuerySet":
        return self.filter(status=Book.Status.READING)


class Book(models.Model):
    """A member who agreed to be a "book" at a living library: readers book conversations."""

    class Status(models.TextChoices):
        READING = "reading", "Reading"
        WITHDRAWN = "withdrawn", "Withdrawn"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="books")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="living_library_books"
    )
    title = models.CharField(max_length=120)
    blurb = models.TextField(max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.READING)
    # Books see who booked them only once the board has confirmed the session.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BookQuerySet.as_manager()

    class Meta:
        ordering = ["event", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_book_per_member")
        ]

    def __str__(self) -> str:
        return self.title


class BookingQuerySet(models.QuerySet["Booking"]):
    def booked(self) -> "BookingQuerySet":
        return self.filter(status=Booking.Status.BOOKED)

    def of_reader(self, reader: Any) -> "BookingQuerySet":
        """A reader's own bookings: the only bookings a reader is ever shown."""
        return self.booked().filter(reader=reader)

    def shown_to_book(self, book: "Book") -> "BookingQuerySet":
        """The bookings, with readers' names, a book may see: none until the board has confirmed
        the session, so a reader can think again before the book learns who they are."""
        if book.status != Book.Status.READING or book.confirmed_at is None:
            return self.none()
        return self.booked().filter(book=book).select_related("reader")

    def readers_by_time(self, book: "Book") -> dict[datetime, int]:
        """How many readers each of a book's conversations has, and nothing about who they are."""
        rows = (
            self.booked()
            .filter(book=book)
            .values("starts_at")
            .annotate(readers=models.Count("pk"))
            .order_by()
        )
        return {row["starts_at"]: row["readers"] for row in rows}


class Booking(models.Model):
    """A reader's place in one conversation with a book, the one starting at `starts_at`."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CANCELLED = "cancelled", "Cancelled"

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="bookings")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="living_library_bookings"
    )
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "starts_at", "reader"], name="one_booking_per_conversation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reader} reading {self.book}"


class CalendarFeed(models.Model):
    """A member's personal calendar feed. Only a hash of its secret link is kept: the link is
    shown once, when made, and renewing makes a new one and kills the old."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed #{self.pk}"
