"""Benchmark: publish an event to 20,000 members, write its announcement to the outbox, and send
the reminders for 1,000 events.

Run on purpose, not in the test suite, against a PostgreSQL database kept for it:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/eventsbench DEBUG=true \\
    .venv/bin/python bench/event_mail.py

It migrates that database, empties its events, outbox and announcements, makes the members
(once), and prints a table: the publishing request's time and queries (as a page would run it,
in one transaction, the announcement handed to a broker after the commit), the announcement
task's messages queued per second and queries per batch of the outbox, and the reminder run
for 1,000 upcoming events. Tasks go to an in-memory broker no worker reads, so nothing is sent
and the figures are the database's. Everything stays on this machine.
"""

import argparse
import os
import secrets
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from events import services  # noqa: E402
from events.models import Event, Format, Registration  # noqa: E402
from members.demo import create_many  # noqa: E402
from members.models import User  # noqa: E402
from network import mail  # noqa: E402
from network.celery import app as celery_app  # noqa: E402
from network.models import Announcement, NetworkSettings, OutboundEmail  # noqa: E402

PREFIX = "eventbench"


def members(count: int) -> list[int]:
    audience = User.objects.filter(email__startswith=PREFIX)
    missing = count - audience.count()
    if missing > 0:
        create_many(
            missing, password=secrets.token_urlsafe(), start=count - missing, email_prefix=PREFIX
        )
    return list(audience.order_by("pk").values_list("pk", flat=True)[:count])


def draft(title: str, starts_in: timedelta, **fields: object) -> Event:
    starts_at = timezone.now() + starts_in
    return Event.objects.create(
        title=title,
        description="An evening for members across the network.",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=100,
        **fields,
    )


def per_batch(queries: list[dict[str, str]]) -> Counter[int]:
    """How many queries each pass of the announcement task's loop made: a pass starts where it
    locks the announcement's row."""
    counts: list[int] = []
    for query in queries:
        if 'FROM "network_announcement"' in query["sql"] and "FOR UPDATE" in query["sql"]:
            counts.append(0)
        if counts:
            counts[-1] += 1
    return Counter(counts)


def upcoming_with_places(events: int, places_each: int, member_ids: list[int]) -> int:
    """Published events starting within the next day, each with confirmed places taken three
    days ago, so every place is due its day-before reminder (and online ones starting within
    the hour their hour-before one)."""
    now = timezone.now()
    long_ago = now - timedelta(days=3)
    formats = [Format.ONLINE, Format.HYBRID, Format.IN_PERSON]
    rows = []
    for number in range(events):
        starts_in = timedelta(minutes=45) if number % 10 == 0 else timedelta(hours=2 + number % 20)
        starts_at = now + starts_in
        rows.append(
            Event(
                title=f"Bench event {number:04d}",
                description="A meeting of members.",
                format=formats[number % 3],
                venue="A meeting room",
                join_link="https://meet.example.org/bench",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                capacity=places_each,
                status=Event.Status.PUBLISHED,
                published_at=long_ago,
            )
        )
    created = Event.objects.bulk_create(rows)
    places = [
        Registration(
            event=event,
            member_id=member_ids[(n * places_each + k) % len(member_ids)],
            status=Registration.Status.CONFIRMED,
            created_at=long_ago,
            status_changed_at=long_ago,
        )
        for n, event in enumerate(created)
        for k in range(places_each)
    ]
    Registration.objects.bulk_create(places, batch_size=5000)
    return len(places)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--places", type=int, default=20, help="confirmed places per event")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database kept for benchmarks: see this help.")

    call_command("migrate", verbosity=0)
    OutboundEmail.objects.all().delete()
    Announcement.objects.all().delete()
    Event.objects.all().delete()
    NetworkSettings.load()
    member_ids = members(args.members)
    board = User.objects.get(pk=member_ids[0])
    # As in production: tasks go to a broker after the commit, and no worker reads this one.
    celery_app.conf.task_always_eager = False
    celery_app.conf.update(broker_url="memory://")

    rows: list[tuple[str, str]] = []

    # 1. The board publishes an event to everyone: the admin page's request.
    event = draft("Summer networking evening", timedelta(days=30))
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as request, transaction.atomic():
        services.publish_event(event_id=event.pk, by=board)
    published_in = time.perf_counter() - started
    rows.append(("publish to all: the request", f"{published_in * 1000:.0f} ms"))
    rows.append(("publish to all: request queries", str(len(request))))

    # 2. The announcement task writes the messages to the outbox, a batch to a transaction.
    announcement = Announcement.objects.get()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as writing:
        written = mail.write_announcement_messages(announcement_id=announcement.pk)
    written_in = time.perf_counter() - started
    batches = per_batch(writing.captured_queries)
    rows.append(("announcement: messages queued", f"{written:,}"))
    rows.append(("announcement: task time", f"{written_in:.2f} s"))
    rows.append(("announcement: messages queued/s", f"{written / written_in:,.0f}"))
    rows.append(
        (
            "announcement: queries per batch",
            ", ".join(f"{q} x{n}" for q, n in sorted(batches.items()))
            + f" ({mail.BATCH_SIZE:,} messages a batch; the last pass finds none)",
        )
    )

    # 3. Reminders for 1,000 upcoming events.
    places = upcoming_with_places(args.events, args.places, member_ids)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as reminding:
        reminded = services.send_reminders()
    reminded_in = time.perf_counter() - started
    started = time.perf_counter()
    again = services.send_reminders()
    again_in = time.perf_counter() - started
    rows.append(("reminders: events, places", f"{args.events:,}, {places:,}"))
    rows.append(("reminders: messages queued", f"{reminded:,}"))
    rows.append(("reminders: run time", f"{reminded_in:.2f} s ({len(reminding)} queries)"))
    rows.append(("reminders: messages queued/s", f"{reminded / reminded_in:,.0f}"))
    rows.append(("reminders: second run", f"{again} messages, {again_in * 1000:.0f} ms"))

    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)} | figure")
    print(f"{'-' * width}-|-{'-' * 40}")
    for name, figure in rows:
        print(f"{name.ljust(width)} | {figure}")
    if published_in >= 1:
        sys.exit("Publishing took a second or more: the request must stay well under one.")


if __name__ == "__main__":
    main()
