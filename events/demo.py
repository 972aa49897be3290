"""Demo events for trying the site and for benchmarks: past and upcoming events of every kind,
a full one with a waiting list and a living library with books and bookings.

Dates are relative to the day the demo is made, at times a network would choose, in London time.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from events.models import Book, Booking, Event, Feedback, Format, Kind, Registration
from members.models import Profile, Region, User

LONDON = ZoneInfo("Europe/London")
Status = Registration.Status


@dataclass(frozen=True)
class DemoEvent:
    title: str
    kind: Kind
    format: Format
    days_away: int  # negative: already held
    at: time
    hours: float
    capacity: int
    description: str
    region: str = ""
    venue: str = ""
    address: str = ""
    # How many demo members have a seat (capped at capacity; the rest wait).
    attendees: int = 6


def _online(
    title: str, kind: Kind, days: int, capacity: int, description: str, attendees: int = 6
) -> DemoEvent:
    return DemoEvent(
        title,
        kind,
        Format.ONLINE,
        days,
        time(12, 30),
        1,
        capacity,
        description,
        attendees=attendees,
    )


SHARED = [
    DemoEvent(
        "Preparing for a non-executive director interview",
        Kind.WORKSHOP,
        Format.IN_PERSON,
        12,
        time(10, 0),
        3,
        20,
        "A practical morning with two chairs of NHS trusts: what boards look for, how "
        "interviews and stakeholder panels run, and a chance to practise your answers in pairs.",
        region=Region.LONDON,
        venue="NHS Confederation, Floor 15",
        address="2nd Floor, 18 Smith Square, London SW1P 3HZ",
    ),
    _online(
        "Finance for clinical leaders on boards",
        Kind.WEBINAR,
        5,
        6,
        "How to read a trust's board papers on finance, ask the questions that matter and "
        "hold the executive to account without being a finance specialist.",
        # Full, with three members on the waiting list.
        attendees=9,
    ),
    DemoEvent(
        "Networking breakfast in Manchester",
        Kind.NETWORKING,
        Format.IN_PERSON,
        26,
        time(8, 0),
        1.5,
        30,
        "Coffee, breakfast and conversation with members across the North West, before work.",
        region=Region.NORTH_WEST,
        venue="Manchester Central Library, Performance Space",
        address="St Peter's Square, Manchester M2 5PD",
    ),
    DemoEvent(
        "Spring networking evening",
        Kind.NETWORKING,
        Format.HYBRID,
        -40,
        time(18, 0),
        2,
        40,
        "Our spring evening: short talks from members newly appointed to boards, then time to "
        "meet.",
        region=Region.NORTH_EAST_YORKSHIRE,
        venue="Leeds Dock, The Tetley",
        address="Hunslet Road, Leeds LS10 1JQ",
        attendees=12,
    ),
    _online(
        "Working with your board secretary",
        Kind.WEBINAR,
        -15,
        50,
        "How the board's business is organised, and how to use it well as a new director.",
    ),
]
LIVING_LIBRARY = DemoEvent(
    "Living library: leading as yourself",
    Kind.LIVING_LIBRARY,
    Format.HYBRID,
    19,
    time(14, 0),
    2,
    24,
    "Members who have offered to share their lived experience are our books. Borrow one for a "
    "25-minute conversation in a small group. Conversations are private and never recorded.",
    region=Region.MIDLANDS,
    venue="The Exchange, Centenary Square",
    address="3 Centenary Square, Birmingham B1 2DR",
    attendees=10,
)
PRESET_EVENTS = {
    "women-leaders": [
        *SHARED,
        LIVING_LIBRARY,
        _online(
            "Coaching circle: returning from leave",
            Kind.WORKSHOP,
            33,
            12,
            "A small coaching circle for members coming back from maternity, carer's or sick "
            "leave into senior roles.",
        ),
    ],
    "lgbtq-leaders": [
        *SHARED,
        LIVING_LIBRARY,
        _online(
            "Allyship at board level",
            Kind.WORKSHOP,
            9,
            25,
            "What allies on boards can do: inclusive recruitment, data that counts everyone, and "
            "speaking up when it matters.",
        ),
    ],
}
BOOKS = [
    ("Coming out as a chief executive", "What changed, and what did not, when I told my board."),
    ("Leading with a disability", "Twenty years in operational leadership with a hidden one."),
    ("First in my family", "From a council estate to a trust board, and the doubts on the way."),
]
FEEDBACK = [
    (5, "Hearing from people a year into their board roles.", "More time to talk in pairs."),
    (4, "Practical and honest.", "The room was hard to find."),
    (5, "I met two people I will stay in touch with.", ""),
]


def _at(days: int, at: time) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, at, tzinfo=LONDON)


@transaction.atomic
def seed_events(preset: str, *, members: Sequence[User]) -> int:
    """The preset's demo events with places, waiting lists, books and feedback; running it again
    changes nothing. Demo events of the other preset are removed. Returns how many it made."""
    wanted = PRESET_EVENTS[preset]
    titles = {demo.title for demo in wanted}
    others = {demo.title for events in PRESET_EVENTS.values() for demo in events} - titles
    Event.objects.filter(title__in=others, created_by=None).delete()
    made = 0
    for demo in wanted:
        if Event.objects.filter(title=demo.title, created_by=None).exists():
            continue
        _make(demo, members, rng=random.Random(demo.title))
        made += 1
    return made


def _make(demo: DemoEvent, members: Sequence[User], *, rng: random.Random) -> Event:
    starts = _at(demo.days_away, demo.at)
    held = demo.days_away < 0
    event = Event.objects.create(
        title=demo.title,
        description=demo.description,
        kind=demo.kind,
        format=demo.format,
        starts_at=starts,
        ends_at=starts + timedelta(hours=demo.hours),
        region=demo.region,
        venue=demo.venue,
        address=demo.address,
        accessibility=(
            "Step-free access throughout, a hearing loop and a quiet room. Tell us what else "
            "you need when you register."
            if demo.venue
            else "Live captions on. Slides are sent in advance to everyone registered."
        ),
        join_link="https://meet.example.org/network-events"
        if demo.format != Format.IN_PERSON
        else "",
        capacity=demo.capacity,
        status=Event.Status.HELD if held else Event.Status.PUBLISHED,
        published_at=starts - timedelta(days=30),
    )
    chosen = rng.sample(list(members), min(len(members), demo.attendees))
    seats, waiting = chosen[: demo.capacity], chosen[demo.capacity :]
    registrations = [
        Registration(
            event=event,
            member=member,
            status=Status.CONFIRMED,
            attendance=(rng.choice(["attended"] * 5 + ["no_show"]) if held else ""),
        )
        for member in seats
    ]
    registrations += [
        Registration(event=event, member=member, status=Status.WAITING, queue_number=number)
        for number, member in enumerate(waiting, start=1)
    ]
    Registration.objects.bulk_create(registrations)
    if waiting:
        event.last_queue_number = len(waiting)
        event.save(update_fields=["last_queue_number"])
    if held:
        Feedback.objects.bulk_create(
            Feedback(
                event=event, member=member, rating=rating, what_worked=worked, what_to_change=change
            )
            for member, (rating, worked, change) in zip(seats, FEEDBACK, strict=False)
        )
    if demo.kind == Kind.LIVING_LIBRARY:
        _fill_library(event, seats, members)
    return event


def _fill_library(event: Event, readers: Sequence[User], members: Sequence[User]) -> None:
    """Books from members who offered living-library topics, each with a reader or two booked."""
    storytellers = [
        member
        for member in members
        if member not in readers
        and Profile.objects.filter(user=member).exclude(living_library_topics="").exists()
    ][: len(BOOKS)]
    books = Book.objects.bulk_create(
        Book(event=event, member=member, title=title, blurb=blurb)
        for member, (title, blurb) in zip(storytellers, BOOKS, strict=False)
    )
    slot = timedelta(minutes=event.slot_minutes)
    Booking.objects.bulk_create(
        Booking(book=book, reader=reader, starts_at=event.starts_at + slot * (n % 3))
        for n, (book, reader) in enumerate(zip(books * 2, readers, strict=False))
    )


@transaction.atomic
def create_many_events(count: int, *, registrations_each: int = 20) -> int:
    """`count` published events over the coming year, each with `registrations_each` members
    holding a seat, in bulk: for benchmarks and the query-count tests."""
    start = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    rng = random.Random(start)
    kinds, formats = list(Kind), list(Format)
    now = timezone.now()
    events = []
    for number in range(start, start + count):
        starts = now + timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 8))
        event_format = rng.choice(formats)
        events.append(
            Event(
                title=f"Network event {number:05d}",
                description="A meeting of members from across the network.",
                kind=rng.choice(kinds),
                format=event_format,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                region=rng.choice(Region.values) if event_format != Format.ONLINE else "",
                venue="A meeting room" if event_format != Format.ONLINE else "",
                capacity=registrations_each + 10,
                status=Event.Status.PUBLISHED,
                published_at=now,
            )
        )
    events = Event.objects.bulk_create(events)
    member_ids = list(User.objects.filter(profile__isnull=False).values_list("pk", flat=True))
    rows = [
        Registration(event=event, member_id=member_id, status=Status.CONFIRMED)
        for event in events
        for member_id in rng.sample(member_ids, min(len(member_ids), registrations_each))
    ]
    Registration.objects.bulk_create(rows, batch_size=2000)
    return len(events)
