"""The daily digest: who gets one, what it says, and that no one ever gets two in a day."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discussions import digest, services, tasks
from discussions.models import DigestSent, Follow, Post, Space, Topic
from members.models import User
from network import mail
from network.models import EmailCategory, OutboundEmail
from tests.discussions.support import a_space, category, in_category
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status


def digests() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=digest.TEMPLATE).order_by("pk"))


def rendered(email: OutboundEmail) -> str:
    message = mail.render_email(email)
    return message.subject + "\n" + message.body + "\n" + message.alternatives[0][0]


def an_hour_ago() -> datetime:
    return timezone.now() - timedelta(hours=1)


def follow(member: User, *, space: Space | None = None, topic: Topic | None = None) -> Follow:
    """Followed an hour ago, so what was written since is new to them."""
    return Follow.objects.create(member=member, space=space, topic=topic, created_at=an_hour_ago())


def followers(space: Space, count: int, prefix: str = "follower") -> list[int]:
    """`count` members following the space, and no one else following anything (those who wrote
    in it follow their topics)."""
    start = User.objects.filter(email__startswith=prefix).count()
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", name=f"Follower {n}")
        for n in range(start, start + count)
    )
    Follow.objects.bulk_create(
        Follow(member=user, space=space, created_at=an_hour_ago()) for user in users
    )
    ids = list(User.objects.filter(email__startswith=prefix).values_list("pk", flat=True))
    Follow.objects.exclude(member_id__in=ids).delete()
    return ids


@pytest.fixture
def busy_space() -> Space:
    """A space with a new topic and a reply in it, from two other members."""
    space = a_space("Board readiness")
    topic = services.start_topic(
        author=MemberFactory(), space=space, title="Chairing a tough meeting", body="Tips?"
    )
    services.reply(author=MemberFactory(), topic=topic, body="Set the agenda early.")
    return space


def sent_to(member: User) -> list[OutboundEmail]:
    return [email for email in digests() if email.recipient_id == member.pk]


def digest_of(member: User) -> OutboundEmail:
    [email] = sent_to(member)
    return email


def test_five_thousand_followers_get_one_digest_each_and_a_rerun_sends_none(
    busy_space: Space,
) -> None:
    ids = followers(busy_space, 5000)
    assert digest.send_digests() == 5000
    sent = digests()
    assert len(sent) == 5000
    assert sorted(email.recipient_id for email in sent) == sorted(ids)
    assert {email.category for email in sent} == {EmailCategory.DISCUSSION_DIGEST}
    assert DigestSent.objects.count() == 5000

    assert digest.send_digests() == 0
    assert tasks.send_daily_digests() == 0
    assert len(digests()) == 5000


def count_queries(space: Space, count: int) -> int:
    followers(space, count - User.objects.filter(email__startswith="more").count(), prefix="more")
    DigestSent.objects.all().delete()
    OutboundEmail.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        assert digest.send_digests(batch_size=500) == count
    return len(captured)


def test_each_batch_makes_the_same_few_queries(busy_space: Space) -> None:
    small = count_queries(busy_space, 1000)  # 2 batches
    large = count_queries(busy_space, 5000)  # 10 batches
    per_batch, rest = divmod(large - small, 8)
    # Each batch: members, follows, new posts, digest rows, opt-outs, messages (and, inside the
    # test's own transaction, a savepoint and its release).
    assert rest == 0 and per_batch == 8
    # Besides the batches, only the last look that finds no one left.
    assert small - 2 * per_batch == 3


def test_a_crash_half_way_then_a_rerun_sends_each_member_exactly_one(busy_space: Space) -> None:
    ids = followers(busy_space, 1200)
    real = mail.queue_emails
    calls = 0

    def dies_on_the_second_batch(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the worker was stopped")
        return real(*args, **kwargs)

    with (
        mock.patch.object(digest, "queue_emails", dies_on_the_second_batch),
        pytest.raises(RuntimeError),
    ):
        digest.send_digests(batch_size=500)
    assert len(digests()) == 500 and DigestSent.objects.count() == 500

    assert digest.send_digests(batch_size=500) == 700
    recipients = [email.recipient_id for email in digests()]
    assert sorted(recipients) == sorted(ids)


def test_a_racing_run_cannot_queue_a_second_digest(member: User) -> None:
    today = digest.digest_day(timezone.now())
    other = MemberFactory()
    DigestSent.objects.create(member=member, day=today, up_to=timezone.now())
    written = digest._write_digest_rows([member.pk, other.pk], day=today, up_to=timezone.now())
    assert written == {other.pk}
    assert DigestSent.objects.filter(member=member).count() == 1


def test_the_digest_names_topics_with_links_and_counts_never_post_words(
    member: User, busy_space: Space
) -> None:
    follow(member, space=busy_space)
    digest.send_digests()
    email = digest_of(member)
    assert email.to_email == member.email and email.recipient_id == member.pk
    text = rendered(email)
    topic = Topic.objects.get()
    assert "Chairing a tough meeting" in text and "Board readiness" in text
    assert f"https://network.example.org/discussions/topics/{topic.pk}/" in text or (
        f"/discussions/topics/{topic.pk}/" in text
    )
    assert "New topic and 1 reply" in text
    assert "Tips?" not in text and "Set the agenda early." not in text
    assert "/email/stop/" in text


def test_tomorrow_brings_only_what_is_new_since_today(member: User, busy_space: Space) -> None:
    follow(member, space=busy_space)
    now = timezone.now()
    digest.send_digests(now=now)
    assert len(sent_to(member)) == 1
    topic = Topic.objects.get()
    tomorrow = now + timedelta(days=1)
    digest.send_digests(now=tomorrow)
    assert len(sent_to(member)) == 1  # nothing new: no email
    services.reply(author=MemberFactory(), topic=topic, body="Late thought.", now=tomorrow)
    services.reply(author=MemberFactory(), topic=topic, body="Another.", now=tomorrow)
    later = tomorrow + timedelta(minutes=5)
    digest.send_digests(now=later)
    assert len(sent_to(member)) == 2
    assert "2 new replies" in rendered(sent_to(member)[-1])
    digest.send_digests(now=later + timedelta(hours=1))
    assert len(sent_to(member)) == 2


def test_following_a_topic_and_its_space_counts_each_reply_once(
    member: User, busy_space: Space
) -> None:
    topic = Topic.objects.get()
    follow(member, space=busy_space)
    follow(member, topic=topic)
    digest.send_digests()
    assert digest_of(member).context["topics"] == [[topic.pk, True, 1]]


def test_opted_out_inactive_and_nothing_new_get_nothing(busy_space: Space) -> None:
    opted_out = MemberFactory()
    mail.opt_out(email=opted_out.email, category=EmailCategory.DISCUSSION_DIGEST)
    suspended = MemberFactory()
    User.objects.filter(pk=suspended.pk).update(is_active=False)
    quiet = MemberFactory()
    for person in (opted_out, suspended):
        follow(person, space=busy_space)
    follow(quiet, space=a_space("Quiet corner"))
    digest.send_digests()
    for person in (opted_out, suspended, quiet):
        assert sent_to(person) == []
        assert not DigestSent.objects.filter(member=person).exists()


def test_a_member_gets_nothing_of_their_own_posts(member: User) -> None:
    space = a_space()
    follow(member, space=space)
    topic = services.start_topic(author=member, space=space, title="Mine", body="My words")
    services.reply(author=member, topic=topic, body="My follow-up")
    assert digest.send_digests() == 0
    services.reply(author=MemberFactory(), topic=topic, body="Someone else")
    digest.send_digests(now=timezone.now() + timedelta(seconds=1))
    assert digest_of(member).context["topics"] == [[topic.pk, False, 1]]


def test_hidden_topics_and_posts_and_removed_posts_never_count(
    member: User, busy_space: Space
) -> None:
    follow(member, space=busy_space)
    Topic.objects.update(hidden=True)
    other = services.start_topic(
        author=MemberFactory(), space=busy_space, title="Visible topic", body="Hello"
    )
    hidden = services.reply(author=MemberFactory(), topic=other, body="Hidden words")
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    removed = services.reply(author=(writer := MemberFactory()), topic=other, body="Gone")
    services.remove_own_post(author=writer, post=removed)
    digest.send_digests()
    email = digest_of(member)
    assert email.context["topics"] == [[other.pk, True, 0]]
    text = rendered(email)
    assert "Visible topic" in text and "Chairing a tough meeting" not in text


def test_a_member_moved_out_of_a_category_hears_nothing_of_its_space() -> None:
    ally = in_category(MemberFactory(), "Ally")
    allies = a_space("Allies", audience=category("Ally"))
    everyone = a_space("Everyone")
    follow(ally, space=allies)
    follow(ally, space=everyone)
    writer = in_category(MemberFactory(), "Ally")
    secret = services.start_topic(author=writer, space=allies, title="Allies only", body="x")
    open_topic = services.start_topic(author=writer, space=everyone, title="For all", body="y")

    in_category(ally, "Executive")
    digest.send_digests()
    email = digest_of(ally)
    assert email.context["topics"] == [[open_topic.pk, True, 0]]
    assert "Allies only" not in rendered(email)

    # Moved out after the digest was queued, before it is sent: the title is not shown either.
    in_category(ally, "Ally")
    DigestSent.objects.all().delete()
    OutboundEmail.objects.all().delete()
    digest.send_digests()
    email = digest_of(ally)
    assert sorted(topic_id for topic_id, _, _ in email.context["topics"]) == sorted(
        [secret.pk, open_topic.pk]
    )
    in_category(ally, "Executive")
    text = rendered(email)
    assert "For all" in text and "Allies only" not in text


def test_a_digest_with_nothing_left_to_read_is_not_sent(member: User, busy_space: Space) -> None:
    follow(member, space=busy_space)
    digest.send_digests()
    Topic.objects.update(hidden=True)
    email = digest_of(member)
    assert mail.deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == Status.NOT_NEEDED


def test_the_beat_sends_digests_every_morning_at_seven_london_time() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["discussion-digests"]
    assert entry["task"] == "discussions.tasks.send_daily_digests"
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/London"
    assert tasks.send_daily_digests.name == entry["task"]
