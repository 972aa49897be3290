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
        pytest.skip("needs PostgreSQL: set DATABASE_URL to run it (CI does)")


@pytest.fixture
def redis_url() -> str:
    """The real Redis, or a skip with the reason."""
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL
    if not url:
        pytest.skip("needs Redis: set REDIS_URL to run it (CI does)")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis, but {url} does not answer: {error}")
    finally:
        client.close()
    return url
