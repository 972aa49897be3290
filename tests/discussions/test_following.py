"""Following spaces and topics, the page of what a member follows, and the unread markers kept by
one read mark per member and topic."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions import following, services
from discussions.models import Follow, Mention, Post, ReadMark, Space, Topic
from members.models import User
from members.services import erase_member
from network.errors import Refused
from network.personal_data import export_for
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(space: Space, mei: User) -> Topic:
    return services.start_topic(author=mei, space=space, title="Chairing well", body="Help?")


def test_following_a_space_twice_keeps_one_row_and_stopping_twice_is_fine(
    space: Space, member: User
) -> None:
    client = signed_in(member)
    follow = reverse("discussions:follow_space", args=[space.slug])
    assert client.post(follow).status_code == 302
    client.post(follow)
    assert Follow.objects.filter(member=member, space=space).count() == 1
    page = client.get(reverse("discussions:space", args=[space.slug])).content.decode()
    assert "You now follow Board readiness." in page and "Stop following this space" in page
    unfollow = reverse("discussions:unfollow_space", args=[space.slug])
    client.post(unfollow)
    client.post(unfollow)
    assert not Follow.objects.exists()
    assert (
        "Follow this space"
        in client.get(reverse("discussions:space", args=[space.slug])).content.decode()
    )


def test_a_space_or_topic_outside_the_audience_cannot_be_followed(member: User, mei: User) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    in_category(mei, "Ally")
    secret = services.start_topic(author=mei, space=allies, title="Ours", body="Words")
    client = signed_in(member)
    for name, arg in (("follow_space", allies.slug), ("follow_topic", secret.pk)):
        assert client.post(reverse(f"discussions:{name}", args=[arg])).status_code == 404
    assert not Follow.objects.filter(member=member).exists()
    with pytest.raises(Refused):
        following.follow_space(member=member, space=allies)
    with pytest.raises(Refused):
        following.follow_topic(member=member, topic=secret)
    assert client.get(reverse("discussions:follow_space", args=[allies.slug])).status_code == 405


def test_a_hidden_topic_cannot_be_followed(topic: Topic, member: User) -> None:
    Topic.objects.filter(pk=topic.pk).update(hidden=True)
    client = signed_in(member)
    assert client.post(reverse("discussions:follow_topic", args=[topic.pk])).status_code == 404
    assert not Follow.objects.filter(member=member).exists()


def test_starting_or_replying_follows_the_topic_once(topic: Topic, mei: User, member: User) -> None:
    services.reply(author=member, topic=topic, body="A clear agenda.")
    services.reply(author=member, topic=topic, body="And a good secretary.")
    assert Follow.objects.filter(topic=topic, member=mei).count() == 1
    assert Follow.objects.filter(topic=topic, member=member).count() == 1
    client = signed_in(member)
    page = client.get(reverse("discussions:topic", args=[topic.pk])).content.decode()
    assert "Stop following this topic" in page
    client.post(reverse("discussions:unfollow_topic", args=[topic.pk]), {"next": "following"})
    assert not Follow.objects.filter(topic=topic, member=member).exists()


def test_what_you_follow_lists_only_what_the_member_can_still_read(
    space: Space, topic: Topic, member: User
) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    in_category(member, "Ally")
    ours = services.start_topic(author=member, space=allies, title="Our own topic", body="Hi")
    following.follow_space(member=member, space=space)
    following.follow_space(member=member, space=allies)
    following.follow_topic(member=member, topic=topic)
    client = signed_in(member)
    page = client.get(reverse("discussions:following")).content.decode()
    assert "Board readiness" in page and "Allies" in page
    assert "Chairing well" in page and "Our own topic" in page
    # Out of the category: the follows stay, but nothing of the space shows.
    in_category(member, "Mentor")
    page = client.get(reverse("discussions:following")).content.decode()
    assert "Allies" not in page and ours.title not in page and "Chairing well" in page
    response = client.post(
        reverse("discussions:unfollow_space", args=[space.slug]), {"next": "following"}
    )
    assert response["Location"] == reverse("discussions:following")


# Unread markers


def tags(client: object, space: Space) -> str:
    return client.get(reverse("discussions:space", args=[space.slug])).content.decode()  # type: ignore[attr-defined]


def test_a_topic_is_new_until_opened_then_new_replies_show(
    space: Space, topic: Topic, member: User, mei: User
) -> None:
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))
    client = signed_in(member)
    assert ">New</strong>" in tags(client, space)
    client.get(reverse("discussions:topic", args=[topic.pk]))
    [mark] = ReadMark.objects.filter(member=member)
    assert mark.read_at == topic.posts.get().created_at
    assert "nhsuk-tag--green" not in tags(client, space)
    services.reply(author=mei, topic=topic, body="Anyone?")
    assert ">New replies</strong>" in tags(client, space)
    client.get(reverse("discussions:topic", args=[topic.pk]))
    assert "nhsuk-tag--green" not in tags(client, space)
    assert ReadMark.objects.filter(member=member).count() == 1


def test_old_topics_own_topics_and_those_before_joining_are_not_new(
    space: Space, member: User, mei: User
) -> None:
    long_ago = timezone.now() - timedelta(days=45)
    services.start_topic(author=mei, space=space, title="Old news", body="Hi", now=long_ago)
    services.start_topic(author=member, space=space, title="Mine", body="Hi")
    assert "nhsuk-tag--green" not in tags(signed_in(member), space)
    newcomer: User = MemberFactory(name="Siobhan Kelly")
    services.start_topic(
        author=mei, space=space, title="Before you came", body="Hi", now=timezone.now()
    )
    User.objects.filter(pk=newcomer.pk).update(date_joined=timezone.now() + timedelta(minutes=1))
    assert "nhsuk-tag--green" not in tags(signed_in(newcomer), space)


def test_the_read_mark_never_moves_back(topic: Topic, member: User, mei: User) -> None:
    now = timezone.now()
    Post.objects.bulk_create(
        Post(topic=topic, author=mei, body=f"Reply {n}", created_at=now + timedelta(seconds=n))
        for n in range(1, 60)
    )
    client = signed_in(member)
    url = reverse("discussions:topic", args=[topic.pk])
    client.get(url + "?page=2")
    latest = ReadMark.objects.get(member=member).read_at
    assert latest == now + timedelta(seconds=59)
    client.get(url)
    assert ReadMark.objects.get(member=member).read_at == latest


# The member's own data


def test_what_they_follow_and_read_is_in_their_download_and_goes_when_they_leave(
    space: Space, topic: Topic, member: User, mei: User
) -> None:
    following.follow_space(member=member, space=space)
    services.reply(author=member, topic=topic, body="Hello @[Mei Chen]")
    signed_in(member).get(reverse("discussions:topic", args=[topic.pk]))
    section = export_for(member)["discussions"]
    assert [f["space"] for f in section["following"]] == ["Board readiness", "Board readiness"]
    assert section["following"][1]["topic"] == "Chairing well"
    assert [r["topic"] for r in section["read"]] == ["Chairing well"]
    services.reply(author=mei, topic=topic, body="Thank you, @[Amara Okafor]")
    erase_member(user=member, actor=member, reason="")
    assert not Follow.objects.filter(member=member).exists()
    assert not ReadMark.objects.filter(member=member).exists()
    assert not Mention.objects.filter(member=member).exists()
    # Mei's own follow and mention stay.
    assert (
        Follow.objects.filter(member=mei).exists() and Mention.objects.filter(member=mei).exists()
    )
