"""Publishing an event announces it to its audience: the board's request costs the same however
many members there are, and the task writes the messages in batches of a constant cost."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import Event
from members.demo import create_many
from members.models import Profession, Region, User
from network import mail
from network.models import (
    Announcement,
    EmailCategory,
    EmailOptOut,
    MembershipCategory,
    NetworkSettings,
    OutboundEmail,
)
from tests.events.support import mails, published_event
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def draft(**fields: object) -> Event:
    return published_event(status=Event.Status.DRAFT, published_at=None, **fields)


def queries_to_publish(event: Event, board: User) -> int:
    with CaptureQueriesContext(connection) as request:
        services.publish_event(event_id=event.pk, by=board)
    return len(request)


def queries_per_batch(announcement: Announcement) -> Counter[int]:
    """Queries each pass of the announcement task made: a pass begins by locking its row."""
    with CaptureQueriesContext(connection) as writing:
        mail.write_announcement_messages(announcement_id=announcement.pk)
    counts: list[int] = []
    for query in writing.captured_queries:
        if 'FROM "network_announcement"' in query["sql"] and "FOR UPDATE" in query["sql"]:
            counts.append(0)
        if counts:
            counts[-1] += 1
    return Counter(counts[:-1])  # the last pass finds no one left and stops


def announced_to(event: Event) -> set[str]:
    for announcement in Announcement.objects.filter(context__event_id=event.pk):
        mail.write_announcement_messages(announcement_id=announcement.pk)
    return {
        email.to_email
        for email in mails("events/announcement")
        if email.context["event_id"] == event.pk
    }


def test_publishing_costs_the_request_and_each_batch_the_same_for_any_audience(
    board_member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "BATCH_SIZE", 10)
    create_many(30, password="a-long-test-password-123", email_prefix="few")
    small, large = draft(), draft()
    small_request = queries_to_publish(small, board_member)
    small_batches = queries_per_batch(Announcement.objects.get(context__event_id=small.pk))
    create_many(90, password="a-long-test-password-123", start=30, email_prefix="few")
    large_request = queries_to_publish(large, board_member)
    large_batches = queries_per_batch(Announcement.objects.get(context__event_id=large.pk))

    assert small_request == large_request
    assert len(small_batches) == len(large_batches) == 1, "every batch costs the same"
    assert small_batches.keys() == large_batches.keys()
    members = User.objects.filter(profile__isnull=False).count()
    assert sum(large_batches.values()) == -(-members // 10)
    assert len(mails("events/announcement")) == members + (members - 90)


def test_the_announcement_goes_to_the_events_audience_only(board_member: User) -> None:
    network = NetworkSettings.load()
    allies = MembershipCategory.objects.create(settings=network, name="Ally")
    members = MembershipCategory.objects.create(settings=network, name="Member")
    people = {
        name: MemberFactory(email=f"{name}@example.org")
        for name in ("ally_nurse_london", "member_nurse_london", "ally_doctor_london",
                     "ally_nurse_midlands")
    }  # fmt: skip
    for name, person in people.items():
        category, profession, region = name.split("_")
        person.profile.category = allies if category == "ally" else members
        person.profile.profession = {"nurse": Profession.NURSING, "doctor": Profession.MEDICINE}[
            profession
        ]
        person.profile.region = {"london": Region.LONDON, "midlands": Region.MIDLANDS}[region]
        person.profile.save()
    User.objects.create_user(email="operator@example.org", password="x" * 20)
    gone = MemberFactory(email="left@example.org")
    User.objects.filter(pk=gone.pk).update(is_active=False)

    everyone, for_allies, nurses, london_allied_nurses = (
        draft(),
        draft(audience_category=allies),
        draft(audience_profession=Profession.NURSING),
        draft(
            audience_category=allies,
            audience_profession=Profession.NURSING,
            audience_region=Region.LONDON,
        ),
    )
    for event in (everyone, for_allies, nurses, london_allied_nurses):
        services.publish_event(event_id=event.pk, by=board_member)

    def addresses(*names: str) -> set[str]:
        return {f"{name}@example.org" for name in names}

    assert announced_to(everyone) == addresses(*people) | {board_member.email}
    assert announced_to(for_allies) == addresses(
        "ally_nurse_london", "ally_doctor_london", "ally_nurse_midlands"
    )
    assert announced_to(nurses) == addresses(
        "ally_nurse_london", "member_nurse_london", "ally_nurse_midlands"
    )
    assert announced_to(london_allied_nurses) == addresses("ally_nurse_london")


def test_members_who_stopped_event_emails_are_not_sent_the_announcement(
    board_member: User, member: User, django_capture_on_commit_callbacks
) -> None:
    stopped = MemberFactory(email="stopped@example.org")
    mail.opt_out(email=stopped.email, category=EmailCategory.EVENTS)
    event = draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_event(event_id=event.pk, by=board_member)

    statuses = {e.to_email: e.status for e in mails("events/announcement")}
    assert statuses[stopped.email] == OutboundEmail.Status.SUPPRESSED
    assert statuses[member.email] == OutboundEmail.Status.SENT
    assert EmailOptOut.objects.filter(email=stopped.email).exists()


def test_publishing_twice_is_refused_and_announces_once(board_member: User) -> None:
    event = draft()
    services.publish_event(event_id=event.pk, by=board_member)
    with pytest.raises(services.Refused):
        services.publish_event(event_id=event.pk, by=board_member)
    assert Announcement.objects.filter(context__event_id=event.pk).count() == 1
