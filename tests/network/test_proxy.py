"""Behind the compose proxy every connection comes from the proxy: limits must follow the visitor.

The proxy appends the address it saw to X-Forwarded-For; anything to the left of that was written
by the visitor and proves nothing.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, RequestFactory

from members.adapters import AccountAdapter
from tests.invitations.support import INTEREST as INTEREST_FORM

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.5"
INTEREST = {key: value for key, value in INTEREST_FORM.items() if key != "email"}


@pytest.fixture
def behind_one_proxy(settings: Any) -> Iterator[None]:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
    yield


def interest_from(client: Client, forwarded_for: str, n: int) -> int:
    response = client.post(
        "/join/",
        {**INTEREST, "email": f"person{n}@example.org"},
        REMOTE_ADDR=PROXY,
        headers={"x-forwarded-for": forwarded_for},
    )
    return response.status_code


def test_two_visitors_behind_the_proxy_are_limited_separately(
    client: Client, behind_one_proxy: None
) -> None:
    from invitations.services import INTEREST_LIMIT

    first = [interest_from(client, "203.0.113.1", n) for n in range(INTEREST_LIMIT + 1)]
    assert first[-1] == 429
    assert interest_from(Client(), "203.0.113.2", 100) == 200


def test_a_spoofed_forwarded_for_entry_does_not_dodge_the_limit(
    client: Client, behind_one_proxy: None
) -> None:
    from invitations.services import INTEREST_LIMIT

    statuses = [
        interest_from(client, f"198.51.100.{n}, 203.0.113.1", n) for n in range(INTEREST_LIMIT + 2)
    ]
    assert statuses.count(429) == 2


def test_without_a_trusted_proxy_the_header_is_ignored(client: Client) -> None:
    from invitations.services import INTEREST_LIMIT

    statuses = [interest_from(client, f"203.0.113.{n}", n) for n in range(INTEREST_LIMIT + 1)]
    assert statuses[-1] == 429


def test_failed_sign_ins_are_limited_per_visitor_not_per_proxy(behind_one_proxy: None) -> None:
    # allauth's own limit (10 failed sign-ins a minute from one address) reads the same settings.
    def fail_from(forwarded_for: str, n: int) -> str:
        response = Client().post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "not-the-password"},
            REMOTE_ADDR=PROXY,
            headers={"x-forwarded-for": forwarded_for},
        )
        return response.content.decode()

    pages = [fail_from(f"198.51.100.{n}, 203.0.113.1", n) for n in range(11)]
    assert "Too many failed login attempts" in pages[-1]
    assert "Too many failed login attempts" not in fail_from("203.0.113.2", 99)


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", PROXY),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),
        (1, " 10.0.0.1 ,  203.0.113.9 ", "203.0.113.9"),
        (2, "10.0.0.1, 203.0.113.9, 172.18.0.9", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_takes_the_address_count_hops_from_the_right(
    settings: Any, count: int, forwarded_for: str, expected: str
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, headers=headers)
    assert AccountAdapter().get_client_ip(request) == expected


def test_client_ip_reads_a_trusted_header_when_one_is_named(settings: Any) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, headers={"x-real-ip": "203.0.113.7", "x-forwarded-for": "1.2.3.4"}
    )
    assert AccountAdapter().get_client_ip(request) == "203.0.113.7"


def test_a_request_with_fewer_hops_than_proxies_still_gets_the_sign_in_page(
    client: Client, settings: Any
) -> None:
    # allauth's own reading refused such a request with an error page (ImproperlyConfigured).
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = client.post(
        "/accounts/login/",
        {"login": "nobody@example.org", "password": "wrong-password-123"},
        REMOTE_ADDR=PROXY,
        headers={"x-forwarded-for": "203.0.113.9"},
    )
    assert response.status_code == 200
