"""The discussions demo: each preset has its spaces with real-sounding threads, the allies'
space only for allies, and switching preset keeps only that network's spaces."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from board.management.commands.seed_demo import DEMO_PASSWORD, PRESETS
from discussions.demo import PRESET_SPACES
from discussions.models import Follow, Mention, Post, Space, Topic

pytestmark = pytest.mark.django_db


def signed_in(email: str) -> Client:
    client = Client()
    assert client.login(email=email, password=DEMO_PASSWORD)
    return client


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_has_spaces_with_threads(settings, preset: str) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset=preset)
    spaces = Space.objects.all()
    assert 3 <= spaces.count() <= 4
    assert set(spaces.values_list("slug", flat=True)) == {s.slug for s in PRESET_SPACES[preset]}
    assert Space.objects.filter(announcement_only=True).count() == 1
    interview = Topic.objects.get(title="Preparing for a board interview")
    # Its writers follow it, and its last post mentions the member who answered first.
    assert Follow.objects.filter(topic=interview).count() == 3
    [mention] = Mention.objects.filter(post__topic=interview)
    assert mention.member_id == interview.posts.order_by("pk")[1].author_id
    for topic in Topic.objects.all():
        assert topic.posts.count() == topic.reply_count + 1
    posts = Post.objects.count()
    call_command("seed_demo", preset=preset)
    assert Post.objects.count() == posts


def test_the_allies_space_is_for_allies_and_switching_back_removes_it(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="lgbtq-leaders")
    allies = Topic.objects.get(title="Allies: how to speak up in meetings")
    url = reverse("discussions:topic", args=[allies.pk])
    assert signed_in("siobhan.kelly@example.org").get(url).status_code == 200
    assert signed_in("amara.okafor@example.org").get(url).status_code == 404
    call_command("seed_demo", preset="women-leaders")
    assert not Space.objects.filter(slug="allies").exists()
    assert not Topic.objects.filter(pk=allies.pk).exists()
