"""Searching discussions: what a member finds, in what order, and what they never find."""

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions import services
from discussions.models import Post, Topic
from discussions.search import MAX_QUERY, excerpt, matching_topics
from members.models import User
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("discussions:search")


def found(member: User, words: str) -> str:
    response = signed_in(member).get(SEARCH, {"q": words})
    assert response.status_code == 200
    return response.content.decode()


def titles(member: User, words: str, vendor: str | None = None) -> list[str]:
    return [topic.title for topic in matching_topics(member, words, vendor=vendor)]


def test_a_member_finds_topics_by_title_and_by_reply(member: User) -> None:
    space = a_space("Board readiness")
    topic = services.start_topic(
        author=member, space=space, title="Preparing for interviews", body="Any tips?"
    )
    services.reply(author=MemberFactory(), topic=topic, body="Practise the governance questions.")
    page = found(member, "interview")
    assert "Preparing for interviews" in page and "Board readiness" in page
    page = found(member, "governance")
    assert "Preparing for interviews" in page
    assert "Practise the governance questions." in page
    assert "No topics found" in found(member, "mentoring")


def test_the_vectors_follow_edits_and_removals(member: User) -> None:
    space = a_space()
    topic = services.start_topic(author=member, space=space, title="Chairing", body="Budgets")
    post = topic.posts.get()
    services.edit_post(author=member, post=post, body="Rotas")
    assert titles(member, "budgets") == [] and titles(member, "rotas") == ["Chairing"]
    Topic.objects.filter(pk=topic.pk).update(title="Chairing well")  # an UPDATE OF title
    services.remove_own_post(author=member, post=post)
    assert titles(member, "rotas") == []
    assert titles(member, "well") == ["Chairing well"]


def test_a_title_hit_ranks_above_a_reply_only_hit(member: User) -> None:
    space = a_space()
    body_only = services.start_topic(
        author=member, space=space, title="Weekly catch-up", body="Delegation " * 20
    )
    in_title = services.start_topic(
        author=member, space=space, title="Delegation when you are new", body="Where to start?"
    )
    assert in_title.created_at > body_only.created_at
    services.reply(author=member, topic=body_only, body="More about delegation.")
    assert titles(member, "delegation") == ["Delegation when you are new", "Weekly catch-up"]
    page = found(member, "delegation")
    assert page.index("Delegation when you are new") < page.index("Weekly catch-up")


def test_a_member_never_finds_what_they_may_not_read(member: User) -> None:
    ally = in_category(MemberFactory(), "Ally")
    allies = a_space("Allies", audience=category("Ally"))
    everyone = a_space("Everyone")
    services.start_topic(author=ally, space=allies, title="Secret allyship", body="allyship")
    hidden = services.start_topic(
        author=ally, space=everyone, title="Hidden allyship", body="allyship"
    )
    Topic.objects.filter(pk=hidden.pk).update(hidden=True)
    open_topic = services.start_topic(
        author=ally, space=everyone, title="Open thread", body="Welcome"
    )
    hidden_reply = services.reply(author=ally, topic=open_topic, body="allyship words hidden")
    Post.objects.filter(pk=hidden_reply.pk).update(hidden_at=timezone.now(), hidden_reason="x")
    removed = services.reply(author=ally, topic=open_topic, body="allyship words removed")
    services.remove_own_post(author=ally, post=removed)

    for vendor in (None, "sqlite"):
        assert titles(member, "allyship", vendor) == []
        assert titles(ally, "allyship", vendor) == ["Secret allyship"]
    page = found(member, "allyship")
    assert "Secret" not in page and "Hidden" not in page and "Open thread" not in page
    welcome = found(member, "welcome")
    assert "Welcome" in welcome and "words hidden" not in welcome
    # A suspended or deactivated account finds nothing at all.
    User.objects.filter(pk=ally.pk).update(is_active=False)
    ally.refresh_from_db()
    assert titles(ally, "allyship") == []


def test_a_hidden_post_never_gives_the_excerpt(member: User) -> None:
    space = a_space()
    topic = services.start_topic(
        author=member, space=space, title="Coaching budgets", body="The opening words."
    )
    secret = services.reply(author=member, topic=topic, body="A budget secret the board hid.")
    Post.objects.filter(pk=secret.pk).update(hidden_at=timezone.now())
    page = found(member, "budget")
    assert "Coaching budgets" in page and "The opening words." in page
    assert "secret" not in page


@pytest.mark.parametrize(
    "words",
    [
        '"unfinished quote',
        "a & b | c ! d",
        "!!! ||| &&&",
        "'; DROP TABLE discussions_post; --",
        "name:(foo) <-> bar:* & !",
        "OR AND NOT -",
        "the and of",
        "x" * MAX_QUERY,
        "😀 مرحبا",
        "%_\\",
    ],
)
def test_hostile_searches_answer_calmly(member: User, words: str) -> None:
    services.start_topic(author=member, space=a_space(), title="Anything", body="at all")
    response = signed_in(member).get(SEARCH, {"q": words})
    assert response.status_code == 200
    assert "There is a problem" not in response.content.decode()
    assert Topic.objects.count() == 1


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("", "Enter a word or words to search for."),
        ("   ", "Enter a word or words to search for."),
        ("x" * (MAX_QUERY + 1), "must be 200 characters or fewer"),
        ("nul\x00byte", "There is a problem"),
    ],
)
def test_a_search_that_cannot_be_run_says_why(member: User, words: str, message: str) -> None:
    response = signed_in(member).get(SEARCH, {"q": words})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert "Topics found" not in page


def test_the_search_page_without_words_shows_just_the_form(member: User) -> None:
    page = signed_in(member).get(SEARCH).content.decode()
    assert 'for="id_q"' in page and "There is a problem" not in page
    assert SEARCH in signed_in(member).get(reverse("discussions:spaces")).content.decode()


def test_results_come_a_page_at_a_time_keeping_the_words(member: User) -> None:
    space = a_space()
    for n in range(25):
        services.start_topic(author=member, space=space, title=f"Rota {n}", body="Shifts")
    client = signed_in(member)
    first = client.get(SEARCH, {"q": "rota"}).content.decode()
    assert first.count("<h3") == 20
    assert "?q=rota&amp;page=2" in first
    second = client.get(SEARCH, {"q": "rota", "page": 2}).content.decode()
    assert second.count("<h3") == 5 and "?q=rota&amp;page=1" in second


def test_an_excerpt_is_plain_text_around_the_word() -> None:
    body = "**Bold** <script>alert(1)</script> " + "filler " * 60 + "the word pension here"
    text = excerpt(body, "pension")
    assert "**" not in text and "<strong>" not in text
    assert "pension" in text and text.startswith("…")
    assert len(text) <= 203


def test_hostile_markup_in_a_post_reaches_the_results_as_text(member: User) -> None:
    space = a_space()
    services.start_topic(
        author=member,
        space=space,
        title="Payload <img src=x onerror=alert(1)>",
        body='<script>alert("x")</script> [link](javascript:alert(1)) payload',
    )
    page = found(member, "payload")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_sqlite_fallback_needs_every_word(member: User) -> None:
    space = a_space()
    services.start_topic(author=member, space=space, title="Rota planning", body="Night shifts")
    services.start_topic(author=member, space=space, title="Planning", body="Day work")
    assert titles(member, "planning night", "sqlite") == ["Rota planning"]
    assert titles(member, "rota", "sqlite") == ["Rota planning"]
