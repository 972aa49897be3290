"""Members' pages of discussions: what a member sees and can do, and what a member outside a
space's audience, or signed out, cannot."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from discussions import services
from discussions.models import Post, Space, Topic
from members.models import User
from members.services import erase_member
from network.personal_data import export_for
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def allies() -> Space:
    return a_space("Allies", audience=category("Ally"), description="For allies.")


@pytest.fixture
def ally() -> User:
    return in_category(MemberFactory(name="Siobhan Kelly"), "Ally")


@pytest.fixture
def thread(allies: Space, ally: User) -> Topic:
    return services.start_topic(
        author=ally, space=allies, title="How to speak up in meetings", body="I froze."
    )


def text(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def test_the_space_list_shows_what_the_member_may_read_with_topic_counts(
    member: User, ally: User, thread: Topic
) -> None:
    a_space("Board readiness")
    page = text(signed_in(ally), reverse("discussions:spaces"))
    assert "Allies" in page and "1 topic" in page and "Board readiness" in page
    outsider = text(signed_in(member), reverse("discussions:spaces"))
    assert "Board readiness" in outsider and "Allies" not in outsider


def test_a_member_outside_the_audience_finds_nothing(
    member: User, allies: Space, thread: Topic
) -> None:
    client = signed_in(member)
    post = thread.posts.get()
    for url in (
        reverse("discussions:space", args=[allies.slug]),
        reverse("discussions:new_topic", args=[allies.slug]),
        reverse("discussions:topic", args=[thread.pk]),
    ):
        assert client.get(url).status_code == 404, url
    before = Post.objects.count(), Topic.objects.count()
    reply = client.post(reverse("discussions:reply", args=[thread.pk]), {"body": "Hello"})
    started = client.post(
        reverse("discussions:new_topic", args=[allies.slug]), {"title": "Hi", "body": "Hi"}
    )
    edited = client.post(reverse("discussions:edit_post", args=[post.pk]), {"body": "Mine now"})
    removed = client.post(reverse("discussions:remove_post", args=[post.pk]))
    assert {reply.status_code, started.status_code, edited.status_code} == {404}
    assert removed.status_code == 404
    assert (Post.objects.count(), Topic.objects.count()) == before
    assert Post.objects.get(pk=post.pk).body == "I froze."


def test_signed_out_visitors_are_sent_to_sign_in(thread: Topic) -> None:
    response = Client().get(reverse("discussions:topic", args=[thread.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_pages_ask_search_engines_not_to_list_them(ally: User, thread: Topic) -> None:
    response = signed_in(ally).get(reverse("discussions:topic", args=[thread.pk]))
    assert "noindex" in response["X-Robots-Tag"]


def test_a_member_starts_a_topic_and_reads_it(ally: User, allies: Space) -> None:
    client = signed_in(ally)
    response = client.post(
        reverse("discussions:new_topic", args=[allies.slug]),
        {"title": "Pronouns in email signatures", "body": "Does your trust **encourage** it?"},
    )
    topic = Topic.objects.get(title="Pronouns in email signatures")
    assert response["Location"] == reverse("discussions:topic", args=[topic.pk])
    page = text(client, response["Location"])
    assert "<strong>encourage</strong>" in page and "Siobhan Kelly" in page


def test_an_empty_topic_gets_clear_messages_and_makes_nothing(ally: User, allies: Space) -> None:
    response = signed_in(ally).post(
        reverse("discussions:new_topic", args=[allies.slug]), {"title": "", "body": ""}
    )
    page = response.content.decode()
    assert "There is a problem" in page and "Give your topic a title." in page
    assert "Write something before you post." in page
    assert not Topic.objects.exists()


def test_announcement_spaces_offer_no_new_topic_to_members(member: User) -> None:
    news = a_space("Announcements", announcement_only=True)
    client = signed_in(member)
    page = text(client, reverse("discussions:space", args=[news.slug]))
    assert "Start a topic" not in page and "The programme board posts announcements" in page
    response = client.post(
        reverse("discussions:new_topic", args=[news.slug]), {"title": "Hi", "body": "Hi"}
    )
    assert "Only the programme board posts in this space." in response.content.decode()
    assert not Topic.objects.exists()


def test_a_reply_appears_and_a_locked_topic_refuses_one(ally: User, thread: Topic) -> None:
    client = signed_in(ally)
    response = client.post(reverse("discussions:reply", args=[thread.pk]), {"body": "Me too"})
    assert response.status_code == 302
    assert "Me too" in text(client, response["Location"])
    Topic.objects.filter(pk=thread.pk).update(locked=True)
    refused = client.post(reverse("discussions:reply", args=[thread.pk]), {"body": "Again"})
    assert refused.status_code == 400
    assert "This topic is locked" in refused.content.decode()
    assert Post.objects.filter(body="Again").count() == 0


def test_a_one_megabyte_reply_is_refused(ally: User, thread: Topic) -> None:
    response = signed_in(ally).post(
        reverse("discussions:reply", args=[thread.pk]), {"body": "x" * 1_000_000}
    )
    assert response.status_code == 400
    assert "20,000 characters" in response.content.decode()
    assert thread.posts.count() == 1


def test_an_author_edits_and_removes_their_own_post(ally: User, thread: Topic) -> None:
    client = signed_in(ally)
    post = thread.posts.get()
    assert "Edit" in text(client, reverse("discussions:topic", args=[thread.pk]))
    client.post(reverse("discussions:edit_post", args=[post.pk]), {"body": "I froze, then spoke."})
    page = text(client, reverse("discussions:topic", args=[thread.pk]))
    assert "I froze, then spoke." in page and "edited" in page
    client.post(reverse("discussions:remove_post", args=[post.pk]))
    page = text(client, reverse("discussions:topic", args=[thread.pk]))
    assert "Post removed by its author." in page and "I froze, then spoke." not in page


def test_no_one_edits_or_removes_someone_elses_post(ally: User, thread: Topic) -> None:
    other = signed_in(in_category(MemberFactory(), "Ally"))
    post = thread.posts.get()
    assert other.get(reverse("discussions:edit_post", args=[post.pk])).status_code == 404
    assert other.post(reverse("discussions:remove_post", args=[post.pk])).status_code == 404
    assert Post.objects.get(pk=post.pk).body == "I froze."


def test_after_the_window_the_edit_page_says_why(ally: User, thread: Topic) -> None:
    post = thread.posts.get()
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(hours=1))
    client = signed_in(ally)
    page = text(client, reverse("discussions:edit_post", args=[post.pk]))
    assert "first 30 minutes" in page and "<textarea" not in page
    response = client.post(reverse("discussions:edit_post", args=[post.pk]), {"body": "Later"})
    assert "first 30 minutes" in response.content.decode()
    assert Post.objects.get(pk=post.pk).body == "I froze."


def test_a_members_posts_are_in_their_data_and_stay_as_a_former_members(
    ally: User, thread: Topic
) -> None:
    data = json.loads(json.dumps(export_for(ally), default=str))["discussions"]
    assert data["topics"][0]["title"] == "How to speak up in meetings"
    assert data["posts"][0]["body"] == "I froze."
    reader = signed_in(in_category(MemberFactory(), "Ally"))
    erase_member(user=ally, actor=ally, reason="")
    page = text(reader, reverse("discussions:topic", args=[thread.pk]))
    assert "A former member" in page and "Siobhan Kelly" not in page
    assert "I froze." in page


def test_topics_are_paged_without_counting_them(ally: User, allies: Space) -> None:
    Topic.objects.bulk_create(
        Topic(space=allies, author=ally, title=f"Topic {n:03}", last_post_at=timezone.now())
        for n in range(30)
    )
    client = signed_in(ally)
    first = text(client, reverse("discussions:space", args=[allies.slug]))
    assert "Next" in first and "Previous" not in first
    second = text(client, reverse("discussions:space", args=[allies.slug]) + "?page=2")
    assert "Previous" in second and "Next" not in second
    assert second.count("<h3") == 5
