"""What a proxy or a shared browser may keep: nothing private, and photos only briefly."""

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from invitations import services
from members.models import User
from tests.factories import ApplicationFactory, BoardMemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


def cache_control(response: Any) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part}


def is_private_and_unstored(response: Any) -> bool:
    return {"private", "no-store"} <= cache_control(response)


@pytest.mark.parametrize(
    "path", ["/home/", "/account/", "/members/", "/my-data/", "/my-data/download/", "/"]
)
def test_every_page_for_a_signed_in_member_is_private_and_unstored(
    client: Client, member: User, path: str
) -> None:
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 200
    assert is_private_and_unstored(response), response.headers.get("Cache-Control")


def test_the_data_export_is_private_and_unstored(client: Client, member: User) -> None:
    client.force_login(member)
    response = client.get("/my-data/download/")
    assert response["Content-Disposition"].startswith("attachment")
    assert is_private_and_unstored(response)


def test_an_invitation_page_is_private_and_unstored(client: Client) -> None:
    invitation = services.invite(application=ApplicationFactory(), invited_by=BoardMemberFactory())
    response = client.get(f"/invitation/{invitation.token()}/")
    assert response.status_code == 200
    assert is_private_and_unstored(response)
    # A link that does not work is as private as one that does.
    assert is_private_and_unstored(client.get("/invitation/not-a-real-link/"))


def test_an_applicants_own_pages_are_private_and_unstored(client: Client) -> None:
    application = ApplicationFactory()
    for view in ("invitations:more_info", "invitations:withdraw"):
        link = services.application_link(application, view)
        path = re.sub(r"^https?://[^/]+", "", link)
        response = client.get(path)
        assert response.status_code == 200, path
        assert is_private_and_unstored(response), path


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/", "/board/"])
def test_sign_in_and_board_pages_are_private_even_before_signing_in(
    client: Client, path: str
) -> None:
    assert is_private_and_unstored(client.get(path))


def test_the_board_site_is_private_and_unstored(client: Client, board_member: User) -> None:
    sign_in_with_mfa(client, board_member)
    response = client.get("/board/")
    assert response.status_code == 200
    assert is_private_and_unstored(response)


@pytest.mark.parametrize("path", ["/", "/privacy/", "/guidelines/"])
def test_public_pages_for_visitors_may_be_cached(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)


def test_a_view_that_sets_its_own_cache_control_keeps_it(client: Client) -> None:
    response = client.get("/healthz")
    assert "no-cache" in cache_control(response)
    assert "max-age=0" in cache_control(response)


def test_a_photo_is_private_and_kept_for_five_minutes_at_most(
    client: Client, member: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), "teal").save(buffer, format="JPEG")
    client.force_login(member)
    client.post(
        "/profile/photo/",
        {"photo": SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")},
    )
    response = client.get(f"/members/{member.pk}/photo/")
    assert response.status_code == 200
    directives = cache_control(response)
    assert "private" in directives
    max_age = next(int(d.split("=")[1]) for d in directives if d.startswith("max-age="))
    assert 0 < max_age <= 300
