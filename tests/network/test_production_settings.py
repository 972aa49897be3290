"""The production shape: settings are read once at start-up, so each check runs in a new process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = """
import json, django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
call_command("collectstatic", verbosity=0, interactive=False)
from django.test import Client
client = Client()
landing = client.get("/", secure=True, headers={"host": "network.example.org"})
login = client.get("/accounts/login/", secure=True, headers={"host": "network.example.org"})
plain = client.get("/", headers={"host": "network.example.org"})
from members.services import create_member
create_member(email="amara@example.org", name="Amara", password="a-long-test-password-123")
signed_in = client.post(
    "/accounts/login/",
    {"login": "amara@example.org", "password": "a-long-test-password-123"},
    secure=True,
    headers={"host": "network.example.org"},
)
print(json.dumps({
    "status": landing.status_code,
    "headers": dict(landing.headers),
    "body": landing.content.decode(),
    "cookies": {
        name: dict(morsel)
        for response in (login, signed_in)
        for name, morsel in response.cookies.items()
    },
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
}))
"""


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_PROVIDER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="a-production-like-secret-that-is-long-enough-for-the-deploy-check-0123",
        ALLOWED_HOSTS="network.example.org",
        SITE_URL="https://network.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_responses_carry_hsts_a_nonce_csp_and_secure_cookies(tmp_path: Path) -> None:
    result = run(["-c", SCRIPT], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout.strip().splitlines()[-1])

    assert page["status"] == 200
    headers = page["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page["body"]
    assert "<script>" not in page["body"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"

    csrf_cookie = page["cookies"]["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["httponly"] is True
    session_cookie = page["cookies"]["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True

    assert page["plain_status"] == 301
    assert page["plain_location"].startswith("https://network.example.org/")


def test_deploy_check_finds_no_issues(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("variable", ["DEBUG", "SITE_URL", "TRUSTED_PROXY_COUNT"])
def test_a_bad_setting_stops_start_up_with_a_clear_error(tmp_path: Path, variable: str) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, **{variable: "maybe"}))
    assert result.returncode != 0
    assert f"{variable} must" in result.stderr


SHOW_PROXY_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps([settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER]))
"""


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, [0, None]),
        ({"TRUSTED_PROXY_COUNT": "1"}, [1, None]),
        ({"TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, [0, "X-Real-IP"]),
    ],
)
def test_the_trusted_proxy_comes_from_the_environment(
    tmp_path: Path, variables: dict[str, str], expected: list[object]
) -> None:
    env = production_env(tmp_path, **variables)
    for name in ("TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER"):
        if name not in variables:
            env.pop(name, None)
    result = run(["-c", SHOW_PROXY_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected
