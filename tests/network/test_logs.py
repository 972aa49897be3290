"""Logs carry ids and events: no link secrets, no search terms, no email addresses.

Read from a real gunicorn started with the production config, since gunicorn, not Django,
writes the access log.
"""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from network.logs import RedactingFilter, redact

TOKEN = "5f1c9a7e0b3d4c2a8e6f"
SECRETS = [
    TOKEN,
    "secret-search",
    "abc-def",
    "grace@example.org",
    "grace%40example.org",
    "more-info-token",
    "withdraw-token",
    "stop-token",
    "confirm-key",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", LOG_LEVEL="INFO")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    with errors.open("w") as error_file:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "gunicorn.conf.py",
                "network.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--access-logfile",
                str(access),
                "--error-logfile",
                "-",
                "--no-control-socket",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=error_file,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310
                    break
                except (urllib.error.URLError, ConnectionError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(errors.read_text())
                    time.sleep(0.2)
            yield base, access, errors
        finally:
            server.terminate()
            server.wait(timeout=30)


def fetch(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_access_and_error_logs_hold_no_link_secrets_search_terms_or_addresses(
    gunicorn: tuple[str, Path, Path],
) -> None:
    base, access, errors = gunicorn
    paths = [
        f"/invitation/{TOKEN}/",
        f"/invitation/{TOKEN}",
        "/members/?q=secret-search",
        "/accounts/password/reset/key/abc-def/",
        "/accounts/confirm-email/confirm-key/",
        "/join/more/more-info-token/",
        "/join/withdraw/withdraw-token/",
        "/email/stop/stop-token/",
        "/join/?email=grace@example.org",
        "/nowhere/grace@example.org/",
        "/nowhere/grace%40example.org/",
    ]
    statuses = [
        fetch(base + path, Referer=f"{base}/invitation/{TOKEN}/?q=secret-search") for path in paths
    ]
    assert 404 in statuses  # Django logged at least one "Not Found: <path>" to the error log

    # gunicorn writes the access log line once the response is sent; give it a moment.
    deadline = time.monotonic() + 10
    while access.read_text().count("\n") < len(paths) + 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    access_log, error_log = access.read_text(), errors.read_text()

    assert access_log.count("\n") >= len(paths) + 1, access_log
    assert "GET /invitation/[redacted]/ HTTP/1.1" in access_log
    assert "GET /members/ HTTP/1.1" in access_log
    assert "GET /accounts/password/reset/key/[redacted]/ HTTP/1.1" in access_log
    assert "Not Found: /nowhere/[email]/" in error_log
    for secret in SECRETS:
        assert secret not in access_log, secret
        assert secret not in error_log, secret


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email to grace@example.org failed", "email to [email] failed"),
        ("Key (email)=(Grace.O'Neil+x@nhs.net) exists", "Key (email)=([email]) exists"),
        ("GET /invitation/abc123/ HTTP/1.1", "GET /invitation/[redacted]/ HTTP/1.1"),
        ("Gone: /invitation/abc123/", "Gone: /invitation/[redacted]/"),
        (
            "https://network.example.org/join/more/Mg:1x:abc/",
            "https://network.example.org/join/more/[redacted]/",
        ),
        ("GET /members/?q=ward+sister&region=london HTTP/1.1", "GET /members/ HTTP/1.1"),
        (
            "GET /accounts/password/reset/key/3-set-password/",
            "GET /accounts/password/reset/key/[redacted]/",
        ),
        ("email 42 (invitations/invitation) sent", "email 42 (invitations/invitation) sent"),
        ("celery@worker1 ready", "celery@worker1 ready"),
    ],
)
def test_redact_removes_addresses_link_secrets_and_query_strings(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_every_log_record_has_addresses_redacted(caplog: Any) -> None:
    caplog.handler.addFilter(RedactingFilter())
    logger = logging.getLogger("invitations.tasks")
    with caplog.at_level(logging.INFO):
        logger.info("acknowledgement sent to %s", "grace@example.org")
        try:
            raise ValueError("refused recipient grace@example.org")
        except ValueError:
            logger.exception("could not send to %s", "grace@example.org")
    assert "grace@example.org" not in caplog.text
    assert "acknowledgement sent to [email]" in caplog.text
    assert "ValueError: refused recipient [email]" in caplog.text


def test_the_filter_sits_on_every_handler_django_logs_through() -> None:
    loggers = [
        logging.getLogger(),
        logging.getLogger("django"),
        logging.getLogger("django.request"),
    ]
    handlers = [
        handler
        for logger in loggers
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")  # pytest's own capture
    ]
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactingFilter) for f in handler.filters), handler
    # django.request reaches a handler only through loggers that carry the filter.
    assert logging.getLogger("django.request").propagate
    assert not logging.getLogger("django").propagate


CELERY_WORKER_LOGGING = """
import logging, django
django.setup()
from network.celery import app
# What `celery worker` does to logging as it starts.
app.log.setup_logging_subsystem(loglevel="INFO")
logging.getLogger("network.mail").error("could not send to %s", "grace@example.org")
logging.getLogger("celery.app.trace").error("Task failed: refused grace@example.org")
"""


def test_a_celery_worker_keeps_the_redaction(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", CELERY_WORKER_LOGGING],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "could not send to [email]" in output
    assert "Task failed: refused [email]" in output
    assert "grace@example.org" not in output
