"""The production shape: settings are read once at start-up, so each check runs in a new process."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

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


def storage_in(env: dict[str, str]) -> dict[str, object]:
    script = """
import json, django
django.setup()
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": f"{type(storage).__module__}.{type(storage).__name__}",
    "bucket": getattr(storage, "bucket_name", None),
    "endpoint": getattr(storage, "endpoint_url", None),
    "acl": getattr(storage, "default_acl", "unset"),
    "signed_urls": getattr(storage, "querystring_auth", None),
    "location": str(getattr(storage, "location", "")),
}))
"""
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_uploads_go_to_an_s3_compatible_bucket_when_one_is_named(tmp_path: Path) -> None:
    storage = storage_in(
        production_env(
            tmp_path,
            AWS_STORAGE_BUCKET_NAME="network-uploads",
            AWS_S3_ENDPOINT_URL="https://objects.example.org",
            AWS_ACCESS_KEY_ID="key-id",
            AWS_SECRET_ACCESS_KEY="not-a-real-secret",
        )
    )
    assert storage["backend"] == "storages.backends.s3.S3Storage"
    assert storage["bucket"] == "network-uploads"
    assert storage["endpoint"] == "https://objects.example.org"
    # Photos are members' personal data: never public, only reachable through signed links.
    assert storage["acl"] is None
    assert storage["signed_urls"] is True


def test_uploads_stay_on_disk_under_media_root_without_a_bucket(tmp_path: Path) -> None:
    env = production_env(tmp_path, MEDIA_ROOT=str(tmp_path / "uploads"))
    env.pop("AWS_STORAGE_BUCKET_NAME", None)
    storage = storage_in(env)
    assert storage["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert storage["location"] == str(tmp_path / "uploads")


@pytest.mark.django_db
def test_a_photo_is_stored_in_and_served_from_the_bucket(client: Client, settings: Any) -> None:
    from members.models import Profile
    from tests.factories import MemberFactory

    member = MemberFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), "teal").save(buffer, format="JPEG")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-2")
        s3.create_bucket(
            Bucket="network-uploads",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "network-uploads", "region_name": "eu-west-2"},
            },
        }
        client.force_login(member)
        client.post(
            "/profile/photo/",
            {"photo": SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")},
        )
        name = Profile.objects.get(user=member).photo.name
        stored = s3.get_object(Bucket="network-uploads", Key=name)["Body"].read()
        served = client.get(f"/members/{member.pk}/photo/")
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == stored  # type: ignore[attr-defined]
        assert stored.startswith(b"\xff\xd8")  # a JPEG, resized and re-encoded on the way in
