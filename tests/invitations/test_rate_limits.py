"""Rate limits keyed on a digest of the address, refusing absurd input, surviving a dead cache."""

import hashlib
import logging
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from invitations import services
from invitations.models import Application
from members.models import User
from tests.invitations.support import INTEREST

pytestmark = pytest.mark.django_db

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_rate_limit_keys_hold_a_digest_of_the_address_never_the_address(settings: Any) -> None:
    settings.CACHES = LOCAL_CACHE
    huge = "a" * (2 * 1024 * 1024) + "@example.org"
    response = Client().post("/join/", {**INTEREST, "email": huge})
    assert response.status_code == 200
    assert "Enter an email address of 254 characters or fewer" in response.content.decode()
    assert not Application.objects.exists()
    Client().post("/join/", {**INTEREST, "email": " Grace@Example.org "})
    keys = list(caches["default"]._cache)  # type: ignore[attr-defined]
    assert keys
    assert max(len(key) for key in keys) < 200
    assert not any("example.org" in key.lower() for key in keys)
    digest = hashlib.sha256(b"grace@example.org").hexdigest()
    assert any(digest in key for key in keys)


def test_one_address_is_limited_however_it_is_written_and_wherever_it_comes_from() -> None:
    spellings = [
        "grace@example.org",
        "GRACE@example.org",
        " Grace@Example.Org ",
        "grace@EXAMPLE.org",
    ]
    statuses = [
        Client(REMOTE_ADDR=f"198.51.100.{n}")
        .post("/join/", {**INTEREST, "email": email})
        .status_code
        for n, email in enumerate(spellings)
    ]
    assert statuses == [200] * services.INTEREST_LIMIT + [429]


class DeadCache(Exception):
    pass


@pytest.fixture
def dead_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise DeadCache("Error 111 connecting to redis: Connection refused")

    cache = caches["default"]
    for method in ("add", "incr", "get_or_set", "touch"):
        monkeypatch.setattr(cache, method, down)


def test_interest_is_accepted_when_the_cache_is_down_and_no_address_is_logged(
    dead_cache: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = Client().post("/join/", INTEREST)
    assert response.status_code == 200
    assert "We have your expression of interest" in response.content.decode()
    assert Application.objects.count() == 1
    assert "grace@example.org" not in caplog.text.lower()


def test_nominations_are_accepted_when_the_cache_is_down(
    dead_cache: None, client: Client, member: User
) -> None:
    client.force_login(member)
    assert client.post("/nominate/", INTEREST).status_code == 302
    assert Application.objects.count() == 1


def test_the_limiters_never_raise_when_the_cache_is_down(dead_cache: None) -> None:
    assert services.rate_limited(ip="203.0.113.1", email="grace@example.org") is False
    assert services.nominations_limited(member_id=1) is False
