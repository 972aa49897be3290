"""Benchmark: the board's impact dashboard with tens of thousands of members.

Run on purpose, not in the test suite, against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/network_bench \\
    DEBUG=true .venv/bin/python bench/impact.py --members 50000

It migrates that database, makes sure it holds the demo network with at least that many members
(seed_demo --members --events --mentoring) and, once, a network's worth of history around them:
applications and their endorsements, invitations and who joined, held events with attendance and
feedback, close-outs, career milestones and self-descriptions from members who agreed. Then it
opens the dashboard and its CSV through Django's test client, signed in as the demo's board
member, and reports the median server time of several requests and the queries each made.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from events.models import Event, Feedback, Registration  # noqa: E402
from invitations.models import Application, Endorsement, Invitation  # noqa: E402
from members.models import (  # noqa: E402
    CareerMilestone,
    CareerStage,
    Profession,
    Profile,
    Region,
    SelfDescription,
    SensitiveDataConsent,
    User,
)
from mentoring.models import CloseOut, Pairing  # noqa: E402
from network.models import NetworkSettings, SensitiveCharacteristic  # noqa: E402
from tests.factories import sign_in_with_mfa  # noqa: E402

BOARD_EMAIL = "board@example.org"
MILESTONES = [
    "Appointed non-executive director",
    "Appointed chief nurse",
    "Promoted to deputy director",
    "Promoted to head of service",
    "Completed the Nye Bevan programme",
]


def seed_history(member_ids: list[int]) -> None:
    """A network's history around its members, in bulk (a few seconds for 50,000)."""
    rng = random.Random(7)  # noqa: S311 (reproducible test data, not a secret)
    now = timezone.now()
    board = User.objects.get(email=BOARD_EMAIL)
    count = len(member_ids)
    applications = Application.objects.bulk_create(
        (
            Application(
                email=f"impact-applicant{n:06d}@example.org",
                name="Applicant",
                job_title="Deputy director",
                organisation="An NHS trust",
                profession=rng.choice(Profession.values),
                region=rng.choice(Region.values),
                career_aspiration="A board role.",
                mentoring_evidence="Mentored many.",
                source=rng.choice(Application.Source.values),
                status=(status := rng.choice([*["approved"] * 6, "rejected", "withdrawn"])),
                created_at=(created := now - timedelta(days=rng.randint(20, 900))),
                decided_at=created + timedelta(days=rng.randint(2, 40))
                if status in ("approved", "rejected")
                else None,
            )
            for n in range(count // 2)
        ),
        batch_size=2000,
    )
    Endorsement.objects.bulk_create(
        (
            Endorsement(application=application, member_id=rng.choice(member_ids), text="Yes.")
            for application in applications[: len(applications) // 2]
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    invitations = []
    approved = [a for a in applications if a.status == "approved"]
    for n, application in enumerate(approved):
        invitation = Invitation(application=application, email=application.email, invited_by=board)
        invitation.new_link(days=14)
        if n % 10:
            invitation.status = Invitation.Status.ACCEPTED
        else:
            invitation.status = Invitation.Status.EXPIRED
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    # The first events of the benchmark's crowd are held: attendance marked and feedback given.
    held = list(Event.objects.order_by("pk")[:100])
    Event.objects.filter(pk__in=[event.pk for event in held]).update(
        status=Event.Status.HELD,
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=2),
    )
    marks = ["attended"] * 8 + ["no_show", "cancelled_late"]
    for registration_ids in chunks(
        list(Registration.objects.filter(event__in=held).values_list("pk", flat=True)), 5000
    ):
        for mark in set(marks):
            chosen = [pk for pk in registration_ids if rng.choice(marks) == mark]
            Registration.objects.filter(pk__in=chosen).update(attendance=mark)
    Feedback.objects.bulk_create(
        (
            Feedback(event_id=event_id, member_id=member_id, rating=rng.randint(2, 5))
            for event_id, member_id in Registration.objects.filter(
                event__in=held, attendance="attended"
            ).values_list("event_id", "member_id")
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    finished = Pairing.objects.filter(status=Pairing.Status.COMPLETED).values_list(
        "pk", "mentee_id"
    )
    CloseOut.objects.bulk_create(
        (
            CloseOut(
                pairing_id=pk,
                member_id=mentee_id,
                goals_met=rng.choice(CloseOut.GoalsMet.values),
                would_recommend=rng.random() < 0.9,
            )
            for pk, mentee_id in finished
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    CareerMilestone.objects.bulk_create(
        (
            CareerMilestone(
                profile_id=member_id,
                achieved_on=date(rng.randint(2021, 2026), rng.randint(1, 12), 1),
                description=rng.choice(MILESTONES),
            )
            for member_id in rng.sample(member_ids, count // 5)
        ),
        batch_size=2000,
    )
    network = NetworkSettings.load()
    characteristic, _ = SensitiveCharacteristic.objects.get_or_create(
        settings=network, name="Sexual orientation"
    )
    agreed = rng.sample(member_ids, count // 4)
    SensitiveDataConsent.objects.bulk_create(
        (SensitiveDataConsent(user_id=pk, wording_version="1") for pk in agreed), batch_size=2000
    )
    SelfDescription.objects.bulk_create(
        (
            SelfDescription(profile_id=pk, characteristic=characteristic, description="Gay")
            for pk in agreed[: len(agreed) // 3]
        ),
        batch_size=2000,
    )
    near_board = rng.sample(member_ids, count // 10)
    Profile.objects.filter(pk__in=near_board).update(career_stage=CareerStage.BOARD)


def chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[n : n + size] for n in range(0, len(items), size)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to PostgreSQL: see this file's help.")

    call_command("migrate", verbosity=0)
    missing = args.members - Profile.objects.filter(user__email__startswith="member").count()
    if missing > 0:
        started = time.perf_counter()
        call_command(
            "seed_demo",
            members=args.members,
            events=args.members // 100,
            mentoring=args.members // 5,
            stdout=io.StringIO(),
        )
        print(f"seeded {missing} members in {time.perf_counter() - started:.1f} s")
    call_command("seed_demo", stdout=io.StringIO())
    if not CareerMilestone.objects.exists():
        started = time.perf_counter()
        member_ids = list(
            User.objects.filter(email__startswith="member").values_list("pk", flat=True)
        )
        with transaction.atomic():
            seed_history(member_ids)
        print(f"seeded the network's history in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client(headers={"host": "127.0.0.1"})
    sign_in_with_mfa(client, User.objects.get(email=BOARD_EMAIL))
    print(
        f"{Profile.objects.count():,} profiles, {Application.objects.count():,} applications, "
        f"{Pairing.objects.count():,} pairings, {Registration.objects.count():,} places; "
        f"{args.repeat} requests each, times in ms"
    )
    print(f"{'request':24} {'median':>7} {'max':>7} {'queries':>8}")
    for name, url in {"dashboard": "/board/impact/", "CSV download": "/board/impact.csv"}.items():
        client.get(url)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"{name:24} {statistics.median(timings):7.1f} {max(timings):7.1f} {len(queries):8}")


if __name__ == "__main__":
    main()
