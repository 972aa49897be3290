"""No page needs more database queries as the network grows.

Every GET URL on the site (from the resolver, so a new page joins by being a URL) is opened by a
member and by a board member whose session passed two-factor authentication, once with a small
network and once with a hundred times more members, applications, endorsements, invitations,
emails, audit records, events, places, living-library books, pairings with their check-ins,
mentoring requests and matching-round entries. A page fails if it makes more
queries at the larger size (a query per row somewhere) or more than it may at all: 10 for the
site, 20 for the board site.

Each page is counted on its second visit, with the cache as a running server has it (the network
settings are read from the database once an hour, not once a page).
"""

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Book, Event, Feedback, Registration
from invitations.models import Application, Endorsement, Invitation
from members.demo import create_many
from members.models import User
from mentoring.demo import create_many_pairings
from mentoring.models import CheckIn, MatchingRound, MentoringRequest, Pairing, RoundEntry
from network.models import AuditAction, AuditEvent, EmailCategory, OutboundEmail
from tests.factories import PASSWORD, ApplicationFactory
from tests.site.sitemap import Demo, Role, SiteRoute, params_for, site_routes, visit

SIZES = (30, 3000)
ROLES = (Role.MEMBER, Role.BOARD_WITH_MFA)
LIMIT = 10
BOARD_LIMIT = 20

# Pages with a limit of their own, with the reason; their count must still not grow with the data.
LIMITS: dict[str, tuple[int, str]] = {
    "admin:events_event_attendance": (
        10,
        "the board marks attendance for a thousand people at once: the page must stay as quick "
        "as a members' page, whatever the number",
    ),
    "members:download_my_data": (
        34,
        "one query for each kind of record a person's data holds (profile, milestones, "
        "guidelines accepted, applications, endorsements, emails and the provider's reports on "
        "them, event places, feedback, books, mentoring requests, pairings and their check-ins, "
        "fit answers, close-outs, round entries, concerns raised, decisions, topics, posts, "
        "their documents, follows and read marks...), "
        "the same for any network size",
    ),
}

# Pages known to fail today, with the reason and who is fixing them. Each is a strict expected
# failure: once the page is fixed the test says so, and its line here must go.
KNOWN_TO_GROW: dict[str, str] = {}

ROUTES = site_routes()
SAVEPOINT = re.compile(r"(RELEASE |ROLLBACK TO )?SAVEPOINT ", re.IGNORECASE)


def limit_for(route: SiteRoute) -> int:
    if route.key in LIMITS:
        return LIMITS[route.key][0]
    return BOARD_LIMIT if route.route.startswith("board/") else LIMIT


def grow_network(count: int, demo: Demo) -> None:
    """Add `count` members, and as many applications, emails and audit records, in bulk.

    The demo's own records stay the ones its URLs point at; these fill the lists around them.
    """
    rng = random.Random(count)  # noqa: S311 (reproducible test data, not a secret)
    start = User.objects.count()
    create_many(count, password=PASSWORD, start=start, email_prefix="crowd")
    crowd = list(User.objects.filter(email__startswith="crowd").order_by("-pk")[:count])
    now = timezone.now()
    applications = Application.objects.bulk_create(
        ApplicationFactory.build(
            email=f"applicant.{start}.{n}@example.org",
            nominated_by=rng.choice(crowd),
            source=Application.Source.NOMINATION,
            endorsements_open_at=now,
        )
        for n in range(count)
    )
    # Every member of the crowd endorses the demo's applications, and many others.
    Endorsement.objects.bulk_create(
        [
            Endorsement(application=application, member=member, text="A generous mentor.")
            for member in crowd
            for application in (demo.nominated, demo.endorsed, rng.choice(applications))
        ],
        ignore_conflicts=True,
    )
    invitations = []
    for application in applications[: count // 2]:
        invitation = Invitation(
            application=application, email=application.email, invited_by=demo.board
        )
        invitation.new_link(days=14)
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations)
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            template="invitations/acknowledgement",
            to_email=member.email,
            recipient=member,
            category=EmailCategory.ESSENTIAL,
            context={"application_id": demo.nominated.pk},
            status=OutboundEmail.Status.SENT,
            sent_at=now - timedelta(minutes=n),
        )
        for n, member in enumerate(crowd)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=demo.board,
            action=AuditAction.APPLICATION_OPENED_FOR_ENDORSEMENT,
            target_type="invitations.Application",
            target_id=str(application.pk),
        )
        for application in applications
    )
    grow_events(count, crowd, demo, rng)
    grow_mentoring(count, crowd, demo, rng)


def grow_events(count: int, crowd: list[User], demo: Demo, rng: random.Random) -> None:
    """A third as many events as members, past and to come, seven places for each member of the
    crowd (1,000 events and 21,000 places at the larger size); places for the demo member at one
    event in thirty; the crowd at the demo's held event, with their feedback, and waiting for its
    coming one; and books at the living library."""
    now = timezone.now().replace(second=0, microsecond=0)
    events = Event.objects.bulk_create(
        Event(
            title=f"Crowd event {n}",
            description="An event for the crowd.",
            starts_at=(starts := now + timedelta(days=rng.randint(-90, 90), hours=1)),
            ends_at=starts + timedelta(hours=2),
            capacity=50,
            status=Event.Status.PUBLISHED,
        )
        for n in range(max(count // 3, 1))
    )
    confirmed = Registration.Status.CONFIRMED
    Registration.objects.bulk_create(
        [
            Registration(event=event, member=member, status=confirmed)
            for member in crowd
            for event in rng.sample(events, min(7, len(events)))
        ]
        + [
            Registration(
                event=demo.past_event,
                member=member,
                status=confirmed,
                attendance=Registration.Attendance.ATTENDED,
                access_needs="A seat near the front",
            )
            for member in crowd
        ]
        + [
            Registration(event=event, member=demo.member, status=confirmed)
            for event in events[: max(count // 30, 1)]
        ],
        ignore_conflicts=True,
    )
    Book.objects.bulk_create(
        Book(event=demo.library, member=member, title=f"Book {n}", blurb="A story.")
        for n, member in enumerate(crowd[: max(count // 30, 1)])
    )
    Feedback.objects.bulk_create(
        Feedback(
            event=demo.past_event, member=member, rating=rng.randint(1, 5), what_worked="Talks"
        )
        for member in crowd
    )
    # The crowd queues for the demo's coming event, behind anyone already waiting.
    first = Event.objects.get(pk=demo.event.pk).last_queue_number + 1
    Registration.objects.bulk_create(
        Registration(
            event=demo.event,
            member=member,
            status=Registration.Status.WAITING,
            queue_number=first + n,
        )
        for n, member in enumerate(crowd)
    )
    Event.objects.filter(pk=demo.event.pk).update(last_queue_number=first + len(crowd) - 1)


def grow_mentoring(count: int, crowd: list[User], demo: Demo, rng: random.Random) -> None:
    """Twenty pairings for every three members (20,000 at the larger size), two check-ins each,
    between anyone; the crowd's requests to the demo's members in every state, waiting ones
    among them; the crowd in a matching round; and a check-in a week on the demo's pairings."""
    create_many_pairings(count * 20 // 3, check_ins_each=2)
    mentors = [demo.subject, demo.member]
    statuses = list(MentoringRequest.Status)
    MentoringRequest.objects.bulk_create(
        [
            MentoringRequest(
                mentee=member,
                mentor=mentor,
                note="Could you help me prepare for a board role?",
                status=rng.choice(statuses),
            )
            for member in crowd
            for mentor in mentors
        ],
        ignore_conflicts=True,
    )
    matching_round = MatchingRound.objects.create(title=f"Crowd round {count}")
    RoundEntry.objects.bulk_create(RoundEntry(round=matching_round, mentee=m) for m in crowd)
    for pairing in Pairing.objects.of(demo.subject).live():
        CheckIn.objects.bulk_create(
            CheckIn(
                pairing=pairing,
                held_on=timezone.localdate(),
                format="video",
                notes="A weekly talk.",
                recorded_by=demo.subject,
            )
            for _ in range(max(count // 30, 1))
        )


def queries_for(client: Client, path: str) -> int:
    # A running server's cache holds the network settings and the like: count a second visit.
    cache.clear()
    visit(client, path)
    with CaptureQueriesContext(connection) as queries:
        visit(client, path)
    # The savepoints visit() opens and rolls back are the test's, not the page's.
    return sum(1 for query in queries if not SAVEPOINT.match(query["sql"]))


@pytest.fixture(scope="module")
def query_counts(
    demo: Demo, clients: dict[Role, Client], django_db_blocker
) -> Iterator[dict[tuple[str, Role], list[int]]]:
    """Each page's query count for each role, at each size, in one pass over the site."""
    counts: dict[tuple[str, Role], list[int]] = defaultdict(list)
    with django_db_blocker.unblock(), transaction.atomic():
        grown = 0
        for size in SIZES:
            grow_network(size - grown, demo)
            grown = size
            for route in ROUTES:
                for role in ROLES:
                    path = route.path(params_for(route, role, demo))
                    counts[(route.key, role)].append(queries_for(clients[role], path))
        transaction.set_rollback(True)
    yield counts


def cases() -> Iterator[object]:
    for route in ROUTES:
        for role in ROLES:
            reason = KNOWN_TO_GROW.get(route.key)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(route, role, id=f"{route}-{role}", marks=marks)


@pytest.mark.parametrize(("route", "role"), list(cases()))
def test_no_page_needs_more_queries_as_the_network_grows(
    route: SiteRoute, role: Role, query_counts: dict[tuple[str, Role], list[int]]
) -> None:
    small, large = query_counts[(route.key, role)]
    assert large <= small, (
        f"{route.key} as {role}: {small} queries with {SIZES[0]} members, {large} with "
        f"{SIZES[1]}: something runs a query per row"
    )
    assert large <= limit_for(route), (
        f"{route.key} as {role}: {large} queries, more than the {limit_for(route)} a page may make"
    )


def test_the_larger_network_is_in_the_counts(query_counts) -> None:  # type: ignore[no-untyped-def]
    # A control: the pass above really saw both sizes for every page and role.
    assert all(len(sizes) == len(SIZES) for sizes in query_counts.values())
    assert len(query_counts) == len(ROUTES) * len(ROLES)
