"""Topics kept as resources: who may keep one and tag it from the board's topic list, and the
Resources page, which lists by tag only what the member may read."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from discussions import resources, services
from discussions.models import Space, Topic
from members.models import User
from network.errors import Refused
from network.models import MentoringTopic, NetworkSettings
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


def tag(name: str, position: int = 0) -> MentoringTopic:
    return MentoringTopic.objects.get_or_create(
        settings=NetworkSettings.load(), name=name, defaults={"position": position}
    )[0]


@pytest.fixture
def governance() -> MentoringTopic:
    return tag("Board governance", 1)


@pytest.fixture
def finance() -> MentoringTopic:
    return tag("Finance", 2)


@pytest.fixture
def topic() -> Topic:
    """Amara's topic in a space for every member; `author` and `space` are hers and its."""
    return services.start_topic(
        author=MemberFactory(name="Amara Okafor"),
        space=a_space("Board readiness"),
        title="My NED interview, step by step",
        body="It went well.",
    )


@pytest.fixture
def author(topic: Topic) -> User:
    return topic.author


@pytest.fixture
def space(topic: Topic) -> Space:
    return topic.space


def text(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def keep(topic: Topic, *tags: MentoringTopic) -> Topic:
    return resources.set_resource(
        member=topic.author, topic=topic, is_resource=True, tags=list(tags)
    )


def test_the_author_keeps_a_topic_as_a_resource_with_tags(
    author: User, topic: Topic, governance: MentoringTopic, finance: MentoringTopic
) -> None:
    client = signed_in(author)
    url = reverse("discussions:resource", args=[topic.pk])
    page = text(client, reverse("discussions:topic", args=[topic.pk]))
    assert "Keep this topic as a resource" in page
    form = text(client, url)
    assert "Board governance" in form and "Finance" in form
    response = client.post(url, {"is_resource": "on", "tags": [governance.pk]}, follow=True)
    assert "The topic is kept in Resources." in response.content.decode()
    topic.refresh_from_db()
    assert topic.is_resource and list(topic.tags.all()) == [governance]
    topic_page = text(client, reverse("discussions:topic", args=[topic.pk]))
    assert "Resource</strong>" in topic_page and "Board governance" in topic_page
    space_page = text(client, reverse("discussions:space", args=[topic.space.slug]))
    assert "Resource</strong>" in space_page and "Board governance" in space_page

    # Unmarked: no longer a resource, and its tags go.
    response = client.post(url, {"tags": [finance.pk]}, follow=True)
    assert "no longer a resource" in response.content.decode()
    topic.refresh_from_db()
    assert not topic.is_resource and not topic.tags.exists()


def test_someone_else_cannot_keep_a_topic_but_the_board_can(
    member: User, topic: Topic, governance: MentoringTopic
) -> None:
    url = reverse("discussions:resource", args=[topic.pk])
    assert signed_in(member).get(url).status_code == 404
    assert signed_in(member).post(url, {"is_resource": "on"}).status_code == 404
    assert "Keep this topic as a resource" not in text(
        signed_in(member), reverse("discussions:topic", args=[topic.pk])
    )
    with pytest.raises(Refused):
        resources.set_resource(member=member, topic=topic, is_resource=True)
    topic.refresh_from_db()
    assert not topic.is_resource
    # The board may, in a session that passed its second factor; with a password alone it
    # reads the topic as any member does.
    board_member = BoardMemberFactory()
    assert signed_in(board_member).post(url, {"is_resource": "on"}).status_code == 404
    with pytest.raises(Refused):
        resources.set_resource(member=board_member, topic=topic, is_resource=True)
    topic.refresh_from_db()
    assert not topic.is_resource
    board = Client()
    sign_in_with_mfa(board, board_member)
    assert "Keep this topic as a resource" in text(
        board, reverse("discussions:topic", args=[topic.pk])
    )
    board.post(url, {"is_resource": "on", "tags": [governance.pk]})
    topic.refresh_from_db()
    assert topic.is_resource


def test_tags_come_only_from_the_boards_current_list(author: User, topic: Topic) -> None:
    # A topic the board has since taken off its list.
    stray = tag("Stray")
    stray_pk = stray.pk
    stray.delete()
    stray.pk = stray_pk
    response = signed_in(author).post(
        reverse("discussions:resource", args=[topic.pk]), {"is_resource": "on", "tags": [stray.pk]}
    )
    assert response.status_code == 400
    assert "Choose tags from the list." in response.content.decode()
    with pytest.raises(Refused):
        resources.set_resource(member=author, topic=topic, is_resource=True, tags=[stray])
    topic.refresh_from_db()
    assert not topic.is_resource and not topic.tags.exists()


def test_the_resources_page_lists_by_tag(
    member: User,
    space: Space,
    author: User,
    topic: Topic,
    governance: MentoringTopic,
    finance: MentoringTopic,
) -> None:
    keep(topic, governance)
    budget = services.start_topic(author=author, space=space, title="Reading a budget", body="…")
    keep(budget, finance)
    services.start_topic(author=author, space=space, title="Just chatting", body="Hello")
    client = signed_in(member)
    everything = text(client, reverse("discussions:resources"))
    assert "My NED interview" in everything and "Reading a budget" in everything
    assert "Just chatting" not in everything
    tagged = text(client, reverse("discussions:resources") + f"?tag={finance.pk}")
    assert "Reading a budget" in tagged and "My NED interview" not in tagged
    # A tag that is not on the list shows everything, not an error.
    for wrong in ("999999", "x", "-1", "9" * 40):
        assert "My NED interview" in text(
            client, reverse("discussions:resources") + f"?tag={wrong}"
        )
    assert "Resources" in text(client, reverse("discussions:spaces"))


def test_the_resources_page_never_shows_what_the_member_cannot_read(
    member: User, author: User, topic: Topic, governance: MentoringTopic
) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    in_category(author, "Ally")
    secret = services.start_topic(author=author, space=allies, title="Allies only guide", body="…")
    keep(secret, governance)
    hidden = keep(topic, governance)
    Topic.objects.filter(pk=hidden.pk).update(hidden=True)
    page = text(signed_in(member), reverse("discussions:resources"))
    assert "Allies only guide" not in page and "My NED interview" not in page
    tagged = text(signed_in(member), reverse("discussions:resources") + f"?tag={governance.pk}")
    assert "Allies only guide" not in tagged
    ally = in_category(MemberFactory(), "Ally")
    assert "Allies only guide" in text(signed_in(ally), reverse("discussions:resources"))
    # Nor can they open the page to keep it.
    url = reverse("discussions:resource", args=[secret.pk])
    assert signed_in(member).get(url).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(topic: Topic) -> None:
    for url in (
        reverse("discussions:resources"),
        reverse("discussions:resource", args=[topic.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_resources_page_is_paginated_and_keeps_the_tag(
    member: User, space: Space, author: User, governance: MentoringTopic
) -> None:
    for number in range(30):
        keep(
            services.start_topic(author=author, space=space, title=f"Guide {number}", body="…"),
            governance,
        )
    client = signed_in(member)
    first = text(client, reverse("discussions:resources") + f"?tag={governance.pk}")
    assert f"?tag={governance.pk}&amp;page=2" in first
    second = text(client, reverse("discussions:resources") + f"?tag={governance.pk}&page=2")
    assert "Guide 0" in second and "Guide 29" not in second


def test_the_demo_keeps_two_threads_as_tagged_resources(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    call_command("seed_demo", preset="women-leaders")
    kept = Topic.objects.filter(is_resource=True).order_by("title")
    assert [topic.title for topic in kept] == [
        "Preparing for a board interview",
        "Reading your first board pack",
    ]
    interview = kept[0]
    assert {tag.name for tag in interview.tags.all()} == {
        "Interview preparation",
        "Non-executive roles",
    }
    reader = User.objects.filter(is_active=True, is_staff=False).first()
    assert reader is not None
    page = text(signed_in(reader), reverse("discussions:resources"))
    assert "Preparing for a board interview" in page and "Interview preparation" in page
