import os
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from members.models import User
from network.celery import app as celery_app
from tests.factories import BoardMemberFactory, MemberFactory, enable_totp


def pytest_report_header() -> list[str]:
    database = connection.vendor
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    return [f"network: database {database}, celery broker {broker}"]


def skip_without(service: str, reason: str) -> None:
    """Skip a test whose real service is missing, or fail it where CI says services are present."""
    message = f"needs {service}: {reason}"
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{message} (REQUIRE_SERVICES is set, so this must not be skipped)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def tasks_run_in_process() -> Iterator[None]:
    """Run tasks in-process after commit, as the local site does, unless a test starts a worker.

    With REDIS_URL set, the app would otherwise publish to a broker no worker is reading.
    """
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    # Rate limits and cached network settings must not leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db: None) -> User:
    return MemberFactory(name="Amara Okafor")


@pytest.fixture
def board_member(db: None) -> User:
    user = BoardMemberFactory(name="Priya Shah")
    enable_totp(user)
    return user


@pytest.fixture
def requires_postgres(db: None) -> None:
    if connection.vendor != "postgresql":
        skip_without("PostgreSQL", "set DATABASE_URL to run it (CI does)")


@pytest.fixture
def redis_url() -> str:
    """The real Redis, or a skip with the reason."""
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not url:
        skip_without("Redis", "set REDIS_URL to run it (CI does)")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_without("Redis", f"{url} does not answer: {error}")
    finally:
        client.close()
    return url
