"""The discussions pages make the same small number of queries however many spaces, topics and
replies there are."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions.models import Attachment, Follow, Mention, Post, ReadMark, Space, Topic
from members.models import User
from network.models import MentoringTopic, NetworkSettings
from tests.discussions.support import a_space, signed_in

pytestmark = pytest.mark.django_db

LIMIT = 10
# The smaller size still fills the later pages the test asks for, so both sizes do the same work.
SIZES = (60, 300)
# (topics in the space, replies in the long topic): a small network, then a space with ten
# thousand topics and a topic with two thousand replies.
FIRST_PAGES, LARGE = (60, 60), (10_000, 2_000)


def queries(client: Client, url: str) -> int:
    client.get(url)  # the first visit fills the caches a running site would have warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def grow(space: Space, topic: Topic, author: User, topics_to: int, replies_to: int) -> None:
    now = timezone.now()
    start = Space.objects.count()
    spaces = Space.objects.bulk_create(
        Space(name=f"Space {n}", slug=f"space-{n}") for n in range(start, 1 + topics_to // 100)
    )
    start = space.topics.count()
    topics = Topic.objects.bulk_create(
        Topic(space=space, author=author, title=f"Topic {n}", last_post_at=now)
        for n in range(start, topics_to)
    )
    start = topic.posts.count()
    posts = Post.objects.bulk_create(
        Post(topic=topic, author=author, body=f"Reply {n} to @[Amara Okafor]")
        for n in range(start, replies_to)
    )
    # What the member follows, has read and is mentioned in grows with the rest.
    Follow.objects.bulk_create(Follow(member=author, space=s) for s in spaces)
    Follow.objects.bulk_create(Follow(member=author, topic=t) for t in topics)
    ReadMark.objects.bulk_create(ReadMark(member=author, topic=t, read_at=now) for t in topics[::2])
    Mention.objects.bulk_create(Mention(post=p, member=author) for p in posts)
    Topic.objects.filter(pk=topic.pk).update(reply_count=topic.posts.count() - 1)


def test_pages_make_the_same_few_queries_at_two_sizes(member: User) -> None:
    space = a_space()
    topic = Topic.objects.create(space=space, author=member, title="Long thread")
    quoted = Post.objects.create(topic=topic, author=member, body="Quote me, @[Amara Okafor]")
    client = signed_in(member)
    urls = [
        reverse("discussions:spaces"),
        reverse("discussions:space", args=[space.slug]),
        reverse("discussions:space", args=[space.slug]) + "?page=3",
        reverse("discussions:topic", args=[topic.pk]),
        reverse("discussions:topic", args=[topic.pk]) + "?page=2",
        reverse("discussions:topic", args=[topic.pk]) + f"?quote={quoted.pk}",
        reverse("discussions:following"),
        reverse("discussions:search") + "?q=topic",
        reverse("discussions:search") + "?q=reply&page=2",
    ]
    counts: dict[str, list[int]] = {url: [] for url in urls}
    for topics, replies in (FIRST_PAGES, LARGE):
        grow(space, topic, member, topics, replies)
        assert (space.topics.count(), topic.posts.count()) == (topics, replies)
        for url in urls:
            counts[url].append(queries(client, url))
    for url, (small, large) in counts.items():
        assert large <= small <= LIMIT, (url, small, large)


def test_resource_and_document_pages_make_the_same_few_queries_at_two_sizes(
    member: User,
) -> None:
    network = NetworkSettings.load()
    governance, finance = (
        MentoringTopic.objects.create(settings=network, name=name)
        for name in ("Governance", "Finance")
    )
    space = a_space()
    topic = Topic.objects.create(space=space, author=member, title="Long thread", is_resource=True)
    topic.tags.set([governance, finance])
    opening = Post.objects.create(topic=topic, author=member, body="Guides attached")
    client = signed_in(member)
    urls = [
        reverse("discussions:resources"),
        reverse("discussions:resources") + f"?tag={governance.pk}&page=2",
        reverse("discussions:space", args=[space.slug]),
        reverse("discussions:topic", args=[topic.pk]),
        reverse("discussions:resource", args=[topic.pk]),
        reverse("discussions:add_document", args=[opening.pk]),
    ]
    counts: dict[str, list[int]] = {url: [] for url in urls}
    grown = 0
    for size in SIZES:
        now = timezone.now()
        topics = Topic.objects.bulk_create(
            Topic(
                space=space, author=member, title=f"Guide {n}", last_post_at=now, is_resource=True
            )
            for n in range(grown, size)
        )
        Topic.tags.through.objects.bulk_create(
            Topic.tags.through(topic=t, mentoringtopic=tag)
            for t in topics
            for tag in (governance, finance)
        )
        posts = Post.objects.bulk_create(
            Post(topic=topic, author=member, body=f"Reply {n}") for n in range(grown, size)
        )
        # Every post on the first page carries documents, more of them at the larger size.
        Attachment.objects.bulk_create(
            Attachment(
                post=post, file=f"discussions/{n}.pdf", name=f"Guide {n}.pdf", kind="pdf", size=10
            )
            for n, post in enumerate([opening, *posts[:40]] * (1 + size // 100))
        )
        grown = size
        for url in urls:
            counts[url].append(queries(client, url))
    for url, (small, large) in counts.items():
        assert large <= small <= LIMIT, (url, small, large)
