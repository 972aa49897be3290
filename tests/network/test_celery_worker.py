"""Tasks through a real Celery worker process and the real Redis, not in-process."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from network.celery import app as celery_app
from network.tasks import clear_expired_sessions
from tests.conftest import skip_without

pytestmark = pytest.mark.celery_worker


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(requires_postgres: None, transactional_db: None, redis_url: str) -> Iterator[str]:
    """A worker in its own process, on the test database, reading a queue of its own."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_without("Redis", "set REDIS_URL when the suite starts, so the app publishes to it")
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url(), "REDIS_URL": redis_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "network",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        print(output)


def wait_for(condition, seconds: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_task_sent_to_redis_is_run_by_a_real_worker(worker_queue: str) -> None:
    expired = SessionStore()
    expired["member"] = "left last year"
    expired.set_expiry(timezone.now() - timedelta(days=1))
    expired.create()
    current = SessionStore()
    current.create()

    clear_expired_sessions.apply_async(queue=worker_queue)

    assert wait_for(lambda: not Session.objects.filter(pk=expired.session_key).exists())
    assert Session.objects.filter(pk=current.session_key).exists()
