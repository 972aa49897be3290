import pytest
from django.core import mail
from django.test import Client

from members.models import User
from network.models import NetworkSettings
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_member_signs_in_with_email_and_lands_on_home(client: Client, member: User) -> None:
    response = sign_in(client, member.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    home = client.get("/home/")
    assert "Welcome, Amara" in home.content.decode()


def test_wrong_password_is_refused_with_a_clear_message(client: Client, member: User) -> None:
    response = sign_in(client, member.email, "not-the-password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "<title>Error: Sign in" in page
    assert "_auth_user_id" not in client.session


def test_suspended_member_cannot_sign_in(client: Client, member: User) -> None:
    member.is_active = False
    member.save()
    response = sign_in(client, member.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 302}
    assert client.get("/home/").status_code == 302


@pytest.mark.parametrize("path", ["/home/", "/account/"])
def test_member_pages_send_visitors_to_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_repeated_wrong_passwords_are_rate_limited(client: Client, member: User) -> None:
    for _ in range(5):
        sign_in(client, member.email, "not-the-password")
    response = sign_in(client, member.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_mails_an_absolute_link(
    client: Client, member: User, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SITE_URL = "https://network.example.org"
    network = NetworkSettings.load()
    network.name = "Women Leaders Network"
    network.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    body = mail.outbox[0].body
    assert "https://network.example.org/accounts/password/reset/key/" in body
    assert "testserver" not in body
    assert "Women Leaders Network" in mail.outbox[0].subject + body
