import pytest
from django.test import Client

from members.models import User

pytestmark = pytest.mark.django_db

INVITE_ONLY = "Membership is by invitation only"


def test_visitor_who_opens_sign_up_sees_the_invite_only_page(client: Client) -> None:
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    page = response.content.decode()
    assert INVITE_ONLY in page
    assert "mailto:" in page


def test_posting_the_sign_up_form_creates_no_account(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.org",
            "password1": "a-long-test-password-123",
            "password2": "a-long-test-password-123",
        },
    )
    assert response.status_code == 200
    assert INVITE_ONLY in response.content.decode()
    assert not User.objects.exists()
