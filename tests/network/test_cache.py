"""Losing Redis (the cache and the broker) degrades the site but never breaks a page."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.core import mail as django_mail
from django.core.cache import cache
from django.test import Client, override_settings

import network.cache
from board import guidelines
from board.models import GuidelinesVersion
from discussions.services import start_topic
from events.models import Registration
from invitations import services
from invitations.models import Application
from members.models import User
from network.celery import app as celery_app
from network.models import NetworkSettings, OutboundEmail
from tests.conftest import skip_without
from tests.discussions.support import a_space
from tests.events.support import published_event
from tests.factories import MemberFactory, sign_in_with_mfa
from tests.invitations.support import INTEREST
from tests.mentoring.support import mentee_with_goals, mentor_with_offer
from tests.network.test_production_settings import production_env, run

REDIS_SERVER = "/usr/bin/redis-server"


@dataclass
class PrivateRedis:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A Redis of the test's own on a free port, which the test may stop."""
    if not os.access(REDIS_SERVER, os.X_OK):
        skip_without("redis-server", f"{REDIS_SERVER} is missing (Debian's redis-server package)")
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PrivateRedis(url=f"redis://127.0.0.1:{port}/0", process=process)
    client = redis.Redis.from_url(server.url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    client.close()
    try:
        yield server
    finally:
        if process.poll() is None:
            server.stop()


def forget_broker_connections() -> None:
    # Publishing reuses pooled connections; forget them so the next publish uses broker_url.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None


@pytest.fixture
def site_on(private_redis: PrivateRedis) -> Iterator[PrivateRedis]:
    """The site with its cache and broker on the private Redis, as production runs."""
    caches = {
        "default": {
            "BACKEND": "network.cache.FallbackRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "network",
        }
    }
    broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = private_redis.url
    celery_app.conf.task_always_eager = False
    forget_broker_connections()
    try:
        with override_settings(CACHES=caches):
            yield private_redis
            cache.clear()
    finally:
        celery_app.conf.broker_url = broker
        celery_app.conf.task_always_eager = True
        forget_broker_connections()


@pytest.mark.django_db
def test_with_redis_stopped_every_page_still_answers_and_mail_waits(
    site_on: PrivateRedis, member: User, django_capture_on_commit_callbacks
) -> None:
    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": member.email})
    # The network settings and a task went into Redis: the cache and the broker were really in
    # use (and the broker's connection open) before it stopped.
    assert redis.Redis.from_url(site_on.url).dbsize() > 0
    handed_over = OutboundEmail.objects.get()

    site_on.stop()
    network = NetworkSettings.load()
    network.name = "Renamed While Redis Was Down"
    network.save()

    landing = client.get("/")
    assert landing.status_code == 200
    assert "Renamed While Redis Was Down" in landing.content.decode()
    assert client.get("/accounts/password/reset/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post("/accounts/password/reset/", {"email": member.email})
    assert reset.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        joined = client.post("/join/", INTEREST)
    assert joined.status_code == 200
    assert Application.objects.filter(email="grace@example.org").exists()

    reset_email = OutboundEmail.objects.exclude(pk=handed_over.pk).get(to_email=member.email)
    assert reset_email.status == OutboundEmail.Status.QUEUED
    assert django_mail.outbox == []


@pytest.mark.django_db
def test_with_redis_stopped_members_and_the_board_still_get_their_pages(
    site_on: PrivateRedis, member: User, board_member: User
) -> None:
    site_on.stop()
    reader = Client(raise_request_exception=False)
    reader.force_login(member)
    # The directory's cards are kept in the cache; with Redis away they are drawn in memory.
    for path in ["/home/", "/members/", "/members/?q=Amara", f"/members/{member.pk}/"]:
        assert reader.get(path).status_code == 200, path
    assert "Amara Okafor" in reader.get("/members/").content.decode()
    board = Client(raise_request_exception=False)
    sign_in_with_mfa(board, board_member)
    for path in ["/board/", "/board/invitations/application/", "/board/network/outboundemail/"]:
        assert board.get(path).status_code == 200, path


@pytest.mark.django_db
def test_with_redis_stopped_events_and_mentoring_still_answer_and_a_place_is_kept(
    site_on: PrivateRedis, member: User, board_member: User, django_capture_on_commit_callbacks
) -> None:
    event = published_event(title="Leading through winter pressures")
    mentor_with_offer(name="Grace Adeyemi", topics=("Board readiness",))
    mentee = mentee_with_goals(topics=("Board readiness",))
    site_on.stop()
    reader = Client(raise_request_exception=False)
    reader.force_login(member)
    for path in ["/events/", f"/events/{event.pk}/", "/events/mine/", "/events/calendar/"]:
        assert reader.get(path).status_code == 200, path
    # Registering takes the seat and keeps the confirmation for the sweep, broker or no broker.
    with django_capture_on_commit_callbacks(execute=True):
        registered = reader.post(f"/events/{event.pk}/register/", {"access_needs": ""})
    assert registered.status_code == 302
    assert Registration.objects.get(event=event, member=member).status == "confirmed"
    assert OutboundEmail.objects.get(template="events/confirmed").status == "queued"
    # Suggestions are kept in the cache; with Redis away they are worked out again.
    asker = Client(raise_request_exception=False)
    asker.force_login(mentee)
    home = asker.get("/mentoring/")
    assert home.status_code == 200
    assert "Grace Adeyemi" in home.content.decode()
    board = Client(raise_request_exception=False)
    sign_in_with_mfa(board, board_member)
    for path in [
        "/board/events/event/",
        "/board/mentoring/matchinground/",
        "/board/mentoring/pairing/",
    ]:
        assert board.get(path).status_code == 200, path


@pytest.mark.django_db
def test_with_redis_stopped_rate_limits_still_count(site_on: PrivateRedis) -> None:
    site_on.stop()
    client = Client(raise_request_exception=False)
    statuses = [
        client.post("/join/", {**INTEREST, "email": f"person{i}@example.org"}).status_code
        for i in range(services.INTEREST_LIMIT + 2)
    ]
    assert 500 not in statuses
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_a_dead_redis_does_not_hold_up_pages_or_the_mail_they_queue(
    site_on: PrivateRedis, member: User, django_capture_on_commit_callbacks
) -> None:
    site_on.stop()
    client = Client(raise_request_exception=False)
    started = time.monotonic()
    for _ in range(5):
        assert client.get("/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post("/accounts/password/reset/", {"email": member.email})
    assert reset.status_code == 302
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_a_hung_redis_costs_one_short_wait_and_changes_made_meanwhile_are_not_read_back_stale(
    site_on: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(network.cache, "RETRY_AFTER_SECONDS", 0.5)
    client = Client(raise_request_exception=False)
    assert "Renamed" not in client.get("/").content.decode()

    # Stopped, not gone: connections open but nothing answers, so only the timeout helps.
    site_on.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        network_settings = NetworkSettings.load()
        network_settings.name = "Renamed While Redis Hung"
        network_settings.save()
        assert "Renamed While Redis Hung" in client.get("/").content.decode()
        assert time.monotonic() - started < 1.5
    finally:
        site_on.process.send_signal(signal.SIGCONT)

    time.sleep(0.6)
    assert "Renamed While Redis Hung" in client.get("/").content.decode()
    # Redis holds the settings again: it is in use once more.
    assert any(b"network-settings" in key for key in redis.Redis.from_url(site_on.url).scan_iter())


def test_the_site_uses_the_cache_that_survives_redis_whenever_redis_is_set(
    tmp_path: Path,
) -> None:
    script = (
        "import django; django.setup(); from django.core.cache import caches; "
        "print(type(caches['default']).__qualname__)"
    )
    env = production_env(tmp_path, REDIS_URL="redis://127.0.0.1:9/0")
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FallbackRedisCache"


@pytest.mark.django_db
def test_with_redis_stopped_guidelines_reports_discussions_and_the_dashboard_still_answer(
    site_on: PrivateRedis, member: User, board_member: User, django_capture_on_commit_callbacks
) -> None:
    other = MemberFactory(name="Kit Marlowe")
    space = a_space()
    reader = Client(raise_request_exception=False)
    reader.force_login(member)
    # The current guidelines are read into the cache before Redis stops.
    assert reader.get("/home/").status_code == 200
    site_on.stop()
    topic = start_topic(author=other, space=space, title="Chairing", body="Any tips?")
    for path in [
        "/discussions/",
        f"/discussions/spaces/{space.slug}/",
        f"/discussions/topics/{topic.pk}/",
        "/discussions/search/?q=chairing",
        "/discussions/resources/",
        "/discussions/following/",
        "/reports/",
        f"/reports/member/{other.profile.pk}/",
        "/guidelines/",
    ]:
        assert reader.get(path).status_code == 200, path
    with django_capture_on_commit_callbacks(execute=True):
        raised = reader.post(
            f"/reports/member/{other.profile.pk}/",
            {"reason": "harassment", "details": "He would not stop messaging me."},
        )
    assert raised.status_code == 302
    assert OutboundEmail.objects.get(template="board/report_received").status == "queued"

    board = Client(raise_request_exception=False)
    sign_in_with_mfa(board, board_member)
    for path in [
        "/board/",
        "/board/impact/",
        "/board/network/auditevent/",
        "/board/board/report/",
        "/board/discussions/space/",
    ]:
        assert board.get(path).status_code == 200, path
    # Guidelines published while Redis is away are asked of the member at once, not a stale
    # cached version later.
    saved = guidelines.save_draft(
        draft=GuidelinesVersion(version="2027-01", body="Be kind.", change_summary="Kinder."),
        actor=board_member,
    )
    with django_capture_on_commit_callbacks(execute=True):
        guidelines.publish(version=saved, actor=board_member)
    asked = reader.get("/home/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/guidelines/accept/")
