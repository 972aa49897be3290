"""Benchmark: queue 20,000 messages in one transaction and an announcement to 20,000 members, then
drain them all through a real worker.

Run on purpose, not in the test suite, against PostgreSQL and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/network_bench \\
    REDIS_URL=redis://127.0.0.1:6379/15 DEBUG=true .venv/bin/python bench/mail_outbox.py

It migrates that database, empties its outbox, makes the members the announcement goes to (once),
and reports queuing time and queries, the announcement's time in the request and in its task,
delivery rate, queries per message and the worker's peak memory. Everything stays on this machine.
"""

import argparse
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from members.demo import create_many  # noqa: E402
from members.models import User  # noqa: E402
from network import mail  # noqa: E402
from network.celery import app as celery_app  # noqa: E402
from network.models import Announcement, EmailCategory, OutboundEmail  # noqa: E402

TEMPLATE = "account/unknown_account"


def peak_memory_kib(pid: int) -> int:
    """The highest resident memory of a process and its children, from /proc."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    total = 0
    for each in [pid, *map(int, children.split())]:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="give up after this many seconds")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Set DATABASE_URL to PostgreSQL and REDIS_URL to Redis: see this file's help.")

    call_command("migrate", verbosity=0)
    OutboundEmail.objects.all().delete()
    Announcement.objects.all().delete()
    audience = {"email__startswith": "bench"}
    missing = args.messages - User.objects.filter(**audience).count()
    if missing > 0:
        create_many(
            missing,
            password=secrets.token_urlsafe(),
            start=args.messages - missing,
            email_prefix="bench",
        )
    queue = f"bench-{uuid.uuid4().hex}"
    celery_app.conf.task_default_queue = queue

    recipients = [
        mail.Recipient(f"member{i}@example.org", None, {"email": f"member{i}@example.org"})
        for i in range(args.messages)
    ]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        mail.queue_emails(TEMPLATE, recipients, category=EmailCategory.ESSENTIAL)
    queued_in = time.perf_counter() - started
    queue_queries = len(queries)

    # As a page would: one call in the request's transaction, the hand-over after it commits.
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        announcement = mail.queue_announcement(
            TEMPLATE, category=EmailCategory.ESSENTIAL, context={"email": "-"}, audience=audience
        )
    announced_in = time.perf_counter() - started
    announce_queries = len(queries)
    # The task's work, run here so it can be timed; the worker's copy of the task finds it done.
    started = time.perf_counter()
    announced = mail.write_announcement_messages(announcement_id=announcement.pk)
    written_in = time.perf_counter() - started
    total = args.messages + announced

    command = [sys.executable, "-m", "celery", "-A", "network", "worker", "--queues", queue]
    command += [f"--concurrency={args.concurrency}", "--loglevel=WARNING", "--without-gossip"]
    worker = subprocess.Popen(command, cwd=ROOT)
    drain_started = time.perf_counter()
    peak = 0
    try:
        while True:
            waiting = OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).count()
            peak = max(peak, peak_memory_kib(worker.pid))
            if not waiting:
                break
            if time.perf_counter() - drain_started > args.timeout:
                sys.exit(f"{waiting} messages still unsent after {args.timeout} s")
            time.sleep(0.5)
        drained_in = time.perf_counter() - drain_started
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    batch = list(
        OutboundEmail.objects.order_by("pk").values_list("pk", flat=True)[: mail.SEND_BATCH]
    )
    OutboundEmail.objects.filter(pk__in=batch).update(status=OutboundEmail.Status.QUEUED)
    with CaptureQueriesContext(connection) as per_batch:
        mail.deliver_batch(batch)

    print(f"messages:               {total} ({args.messages} queued, {announced} announced)")
    print(
        f"queued in one commit:   {queued_in:.2f} s, {queue_queries} queries "
        f"({mail.BATCH_SIZE} messages a batch, {mail.SEND_BATCH} a task)"
    )
    print(
        f"announcement, request:  {announced_in * 1000:.0f} ms, {announce_queries} queries "
        f"(to {announced} members)"
    )
    print(f"announcement, task:     {written_in:.2f} s to write {announced} messages")
    print(
        f"drained by the worker:  {drained_in:.1f} s, {total / drained_in:.0f} messages/s "
        f"(concurrency {args.concurrency})"
    )
    print(f"queries per message:    {len(per_batch) / len(batch):.2f} (in a batch of {len(batch)})")
    print(f"worker peak memory:     {peak / 1024:.0f} MiB (resident, all processes)")


if __name__ == "__main__":
    main()
