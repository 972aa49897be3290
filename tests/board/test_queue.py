"""The board's home is its work queue: what waits for a decision, how much and for how long."""

from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from board.models import GuidelinesVersion, Report
from board.queue import Queue, work_queue
from events.models import Event
from invitations.models import Application
from members.models import GuidelinesAcceptance, User
from mentoring.models import MatchingRound, Pairing
from network.models import NetworkSettings, OutboundEmail
from tests.events.support import published_event
from tests.factories import ApplicationFactory, BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

APPLICATIONS = "Applications to vet"
REPORTS = "Reports to resolve"
PAIRINGS = "Pairings to confirm"
ROUNDS = "Matching rounds to publish"
EVENTS = "Events to mark attendance for"
EMAILS = "Emails that failed or bounced"
GUIDELINES = "Members yet to accept the current guidelines"


def queues(now: datetime | None = None) -> dict[str, Queue]:
    return {queue.title: queue for queue in work_queue(admin.site, now=now or timezone.now())}


def age(queue: Queue) -> str:
    return queue.waiting_for.replace("\xa0", " ")


def accepted(user: User, version: str) -> None:
    GuidelinesAcceptance.objects.create(user=user, guidelines_version=version, privacy_version="1")


def waiting_work(size: int, *, days: int) -> None:
    """`size` items in every queue, the oldest of each waiting `days` days, and beside them the
    same kinds of record that wait for nobody."""
    now = timezone.now()
    version = NetworkSettings.load().guidelines_version
    for n in range(size):
        since = now - timedelta(days=days if n == 0 else 1)
        ApplicationFactory(created_at=since)
        reporter, member = MemberFactory(), MemberFactory()
        accepted(reporter, version)
        GuidelinesAcceptance.objects.filter(user=member).delete()
        Report.objects.create(
            reporter=reporter,
            subject=Report.Subject.MEMBER,
            member=member,
            reason=Report.Reason.OTHER,
            details="Said something unkind at an event.",
            created_at=since,
        )
        Pairing.objects.create(
            mentor=reporter, mentee=member, origin=Pairing.Origin.REQUEST, proposed_at=since
        )
        MatchingRound.objects.create(
            title="Spring round", status=MatchingRound.Status.MATCHED, matched_at=since
        )
        published_event(starts_at=since - timedelta(hours=2), ends_at=since)
        OutboundEmail.objects.create(
            template="invitation", to_email=member.email, status=OutboundEmail.Status.FAILED,
            status_changed_at=since,
        )  # fmt: skip
    # Decided, answered, published, marked and delivered: none of these waits.
    ApplicationFactory(status=Application.Status.APPROVED, created_at=now - timedelta(days=90))
    ApplicationFactory(status=Application.Status.MORE_INFO, created_at=now - timedelta(days=90))
    reporter, member = MemberFactory(), MemberFactory()
    Report.objects.create(
        reporter=reporter, subject=Report.Subject.MEMBER, member=member,
        reason=Report.Reason.OTHER, details="Resolved long ago.", status=Report.Status.RESOLVED,
        created_at=now - timedelta(days=90),
    )  # fmt: skip
    Pairing.objects.create(
        mentor=reporter, mentee=member, origin=Pairing.Origin.REQUEST,
        status=Pairing.Status.DECLINED, proposed_at=now - timedelta(days=90),
    )  # fmt: skip
    MatchingRound.objects.create(title="Winter round", opened_at=now - timedelta(days=90))
    MatchingRound.objects.create(
        title="Autumn round", status=MatchingRound.Status.PUBLISHED,
        matched_at=now - timedelta(days=90),
    )  # fmt: skip
    published_event(starts_at=now - timedelta(days=90), status=Event.Status.HELD)
    published_event(starts_at=now + timedelta(days=3))
    OutboundEmail.objects.create(
        template="invitation", to_email=member.email, status=OutboundEmail.Status.DELIVERED,
        status_changed_at=now - timedelta(days=90),
    )  # fmt: skip


def test_each_queue_counts_what_waits_and_how_long_the_oldest_has_waited() -> None:
    waiting_work(3, days=6)
    found = queues()
    for title in (APPLICATIONS, REPORTS, PAIRINGS, ROUNDS, EVENTS, EMAILS):
        assert (found[title].count, age(found[title])) == (3, "6 days"), title


def test_nothing_waiting_shows_no_age() -> None:
    found = queues()
    assert {queue.count for queue in found.values()} == {0}
    assert {queue.waiting_for for queue in found.values()} == {""}


def test_failed_and_bounced_emails_both_wait_for_the_board() -> None:
    now = timezone.now()
    for status, days in [("failed", 2), ("bounced", 9), ("sent", 30), ("complained", 30)]:
        OutboundEmail.objects.create(
            template="invitation", to_email="someone@example.org", status=status,
            status_changed_at=now - timedelta(days=days),
        )  # fmt: skip
    assert (queues()[EMAILS].count, age(queues()[EMAILS])) == (2, "1 week")


def test_an_event_still_running_is_not_yet_waiting_to_be_marked() -> None:
    now = timezone.now()
    published_event(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    published_event(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    published_event(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2) + timedelta(hours=1),
        status=Event.Status.CANCELLED,
    )  # fmt: skip
    assert (queues()[EVENTS].count, age(queues()[EVENTS])) == (1, "1 hour")


def test_members_yet_to_accept_are_those_without_the_current_version() -> None:
    accepted(MemberFactory(), "2027-01")
    MemberFactory()  # joined under the version before
    never = MemberFactory()
    GuidelinesAcceptance.objects.filter(user=never).delete()
    suspended = MemberFactory()
    suspended.is_active = False
    suspended.save()
    # An operator account has no profile: it is not a member who accepts the guidelines.
    User.objects.create_superuser(email="operator@example.org", password="x" * 20)
    accepted_both = MemberFactory()
    accepted(accepted_both, "2027-01")
    network = NetworkSettings.load()
    network.guidelines_version = "2027-01"
    network.save()
    GuidelinesVersion.objects.update(published_at=timezone.now() - timedelta(days=90))
    GuidelinesVersion.objects.create(
        version="2027-01",
        body="Be kind.",
        change_summary="Clearer words on confidentiality.",
        published_at=timezone.now() - timedelta(days=12),
    )

    found = queues()[GUIDELINES]
    assert (found.count, age(found)) == (2, "1 week")
    assert found.link == "/board/members/user/?guidelines=yet_to_accept"


def test_the_guidelines_queue_links_to_exactly_the_members_yet_to_accept(
    client: Client,
) -> None:
    board = BoardMemberFactory()
    sign_in_with_mfa(client, board)
    MemberFactory(name="Accepted Already", email="accepted@example.org")
    waiting = MemberFactory(name="Not Yet", email="not.yet@example.org")
    GuidelinesAcceptance.objects.filter(user=waiting).delete()

    listed = client.get("/board/members/user/?guidelines=yet_to_accept").content.decode()
    assert "not.yet@example.org" in listed
    assert "accepted@example.org" not in listed
    assert "accepted@example.org" in client.get("/board/members/user/").content.decode()


def test_the_board_home_opens_on_the_queue_with_links_to_what_waits(client: Client) -> None:
    waiting_work(2, days=6)
    ApplicationFactory(name="Decided Already", status=Application.Status.REJECTED)
    board = BoardMemberFactory()
    accepted(board, NetworkSettings.load().guidelines_version)
    sign_in_with_mfa(client, board)

    page = client.get("/board/").content.decode()
    queue = page[page.index('id="work-queue"') : page.index("</table>")]
    assert "Waiting for a decision" in queue
    assert "Applications to vet" in queue
    assert "6\xa0days" in queue
    assert "Nothing waiting" not in queue, queue

    links = {queue.title: queue.link for queue in work_queue(admin.site, now=timezone.now())}
    assert links[APPLICATIONS] in queue.replace("&amp;", "&")
    applications = client.get(links[APPLICATIONS]).content.decode()
    assert "2 applications" in applications
    assert "Decided Already" not in applications
    # Each list answers as filtered (a filter it refused would redirect to "?e=1") and holds
    # just the items waiting.
    for title, model in [
        (REPORTS, Report), (PAIRINGS, Pairing), (ROUNDS, MatchingRound), (EVENTS, Event),
        (EMAILS, OutboundEmail),
    ]:  # fmt: skip
        response = client.get(links[title])
        assert response.status_code == 200, title
        assert f"2 {model._meta.verbose_name_plural}" in response.content.decode(), title


def test_the_board_home_costs_the_same_queries_at_two_sizes(client: Client) -> None:
    board = BoardMemberFactory()
    accepted(board, NetworkSettings.load().guidelines_version)
    sign_in_with_mfa(client, board)
    counts = []
    for size in (1, 12):
        waiting_work(size, days=3)
        queues()  # the current guidelines are cached, as they are after any first page
        with CaptureQueriesContext(connection) as queue_queries:
            found = queues()
        with CaptureQueriesContext(connection) as page_queries:
            response = client.get("/board/")
        assert response.status_code == 200
        assert found[APPLICATIONS].count >= size
        counts.append((len(queue_queries), len(page_queries)))
    assert counts[0] == counts[1], counts
    queue_count, page_count = counts[0]
    assert queue_count <= 10, queue_count
    assert page_count <= 20, page_count
