"""Tasks through a real Celery worker process and the real Redis, not in-process."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from network import mail
from network.celery import app as celery_app
from network.models import OutboundEmail
from network.tasks import clear_expired_sessions
from tests.conftest import skip_without

pytestmark = pytest.mark.celery_worker


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass(frozen=True)
class Worker:
    queue: str
    hostname: str
    mail_dir: Path


@pytest.fixture
def worker(
    requires_postgres: None, transactional_db: None, redis_url: str, tmp_path: Path
) -> Iterator[Worker]:
    """A worker in its own process, on the test database, reading a queue of its own.

    It sends mail with Django's file backend into a folder the test reads.
    """
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        skip_without("Redis", "set REDIS_URL when the suite starts, so the app publishes to it")
    name = f"test-{uuid.uuid4().hex}"
    worker = Worker(queue=name, hostname=f"{name}@localhost", mail_dir=tmp_path / "mail")
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "tests.network.backends.FilePerConnectionBackend",
        "EMAIL_FILE_PATH": str(worker.mail_dir),
    }
    command = [sys.executable, "-m", "celery", "-A", "network", "worker", "--pool=solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["--queues", worker.queue, "--hostname", worker.hostname, "--loglevel=WARNING"]
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output)


def wait_for(condition, seconds: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_task_sent_to_redis_is_run_by_a_real_worker(worker: Worker) -> None:
    expired = SessionStore()
    expired["member"] = "left last year"
    expired.set_expiry(timezone.now() - timedelta(days=1))
    expired.create()
    current = SessionStore()
    current.create()

    clear_expired_sessions.apply_async(queue=worker.queue)

    assert wait_for(lambda: not Session.objects.filter(pk=expired.session_key).exists())
    assert Session.objects.filter(pk=current.session_key).exists()


def test_a_committed_message_is_delivered_end_to_end_by_a_real_worker(worker: Worker) -> None:
    celery_app.conf.task_default_queue = worker.queue
    try:
        email = mail.queue_email(
            "account/password_reset_key",
            to="amara@example.org",
            secret_context={"password_reset_url": "http://127.0.0.1:8000/accounts/password/x/"},
        )
        assert wait_for(
            lambda: OutboundEmail.objects.get(pk=email.pk).status == OutboundEmail.Status.SENT
        )
    finally:
        celery_app.conf.task_default_queue = "celery"
    [written] = list(worker.mail_dir.iterdir())
    message = written.read_text()
    assert "To: amara@example.org" in message
    assert "http://127.0.0.1:8000/accounts/password/x/" in message
    assert OutboundEmail.objects.get(pk=email.pk).secret_context == {}


def test_many_messages_go_once_each_a_hundred_to_a_task_over_one_connection(
    worker: Worker,
) -> None:
    celery_app.conf.task_default_queue = worker.queue
    addresses = [f"member{i}@example.org" for i in range(250)]
    try:
        emails = mail.queue_emails(
            "account/unknown_account",
            [mail.Recipient(address, None, {"email": address}) for address in addresses],
        )
        ids = [email.pk for email in emails]
        sent = OutboundEmail.objects.filter(pk__in=ids, status=OutboundEmail.Status.SENT)
        assert wait_for(lambda: sent.count() == len(ids))
    finally:
        celery_app.conf.task_default_queue = "celery"
    # The file backend writes one file for each connection it opens: one a batch.
    written = sorted(worker.mail_dir.iterdir())
    assert len(written) == 3
    recipients = [
        line.removeprefix("To: ")
        for path in written
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]
    assert sorted(recipients) == sorted(addresses)
    assert set(OutboundEmail.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_the_worker_acknowledges_late_and_hands_back_work_if_it_dies(worker: Worker) -> None:
    def configuration() -> dict[str, object] | None:
        replies = celery_app.control.inspect([worker.hostname], timeout=2).conf() or {}
        return replies.get(worker.hostname)

    assert wait_for(lambda: configuration() is not None, seconds=30)
    config = configuration()
    assert config is not None
    # The worker reports its settings under the Django names they were read from.
    assert config["CELERY_TASK_ACKS_LATE"] is True
    assert config["CELERY_TASK_REJECT_ON_WORKER_LOST"] is True
    assert config["CELERY_WORKER_PREFETCH_MULTIPLIER"] == 1
