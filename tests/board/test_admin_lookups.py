"""The board site filters lists only by the filters it offers: a hand-made lookup in the address
must never let anyone probe a field the page does not show, such as a link waiting in the outbox."""

import pytest
from django.contrib import admin
from django.test import Client

from members.models import User
from network.mail import queue_email
from tests.factories import BoardMemberFactory, enable_totp, sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client: Client) -> Client:
    operator = User.objects.create_superuser(email="operator@example.org", password="x" * 20)
    enable_totp(operator)
    sign_in_with_mfa(client, operator)
    return client


def test_a_waiting_reset_link_cannot_be_guessed_through_the_outbox_list(client: Client) -> None:
    queue_email(
        "account/password_reset_key",
        to="someone@example.org",
        secret_context={"password_reset_url": "https://network.example.org/reset/abc/"},
    )
    board = BoardMemberFactory()
    enable_totp(board)
    sign_in_with_mfa(client, board)
    probe = "/board/network/outboundemail/?secret_context__password_reset_url__startswith=https"
    response = client.get(probe)
    assert response.status_code == 400
    assert "1 email" not in response.content.decode()


def test_the_filters_each_list_offers_still_work(client: Client) -> None:
    board = BoardMemberFactory()
    enable_totp(board)
    sign_in_with_mfa(client, board)
    assert client.get("/board/network/outboundemail/?status__exact=queued").status_code == 200
    assert client.get("/board/invitations/application/?status__exact=pending").status_code == 200


def test_no_list_can_be_filtered_by_a_field_it_does_not_offer(operator_client: Client) -> None:
    refused = []
    for model, model_admin in admin.site._registry.items():
        offered = {
            item
            if isinstance(item, str)
            else item[0]
            if isinstance(item, tuple | list)
            else item.parameter_name  # a filter of the list's own, by the name it answers to
            for item in model_admin.list_filter
        } | {model_admin.date_hierarchy}
        url = f"/board/{model._meta.app_label}/{model._meta.model_name}/"
        for field in model._meta.concrete_fields:
            if field.name in offered:
                continue
            answer = operator_client.get(f"{url}?{field.name}__isnull=False")
            if answer.status_code != 400:
                refused.append(f"{url}?{field.name}__isnull=False answered {answer.status_code}")
    assert not refused, "\n".join(refused)
