"""Each request has one id: from the proxy when it is a sane token, else our own; it is on the
response, in each log line written while answering, and in each audit entry the request made."""

import logging
import re

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from network.logs import RequestIdFilter
from network.middleware import RequestIdMiddleware, current_request_id
from network.models import AuditAction, AuditEvent, EmailCategory, NetworkSettings, record
from tests.factories import MemberFactory

OUR_OWN = re.compile(r"[0-9a-f]{32}")


def answer(**headers: str) -> tuple[HttpResponse, list[str]]:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(current_request_id())
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", headers=headers))
    return response, seen  # type: ignore[return-value]


def test_a_request_without_an_id_gets_one_of_our_own_on_the_response() -> None:
    response, seen = answer()
    assert OUR_OWN.fullmatch(response["X-Request-ID"])
    assert seen == [response["X-Request-ID"]]
    assert current_request_id() == ""


def test_the_proxys_id_is_kept() -> None:
    response, seen = answer(**{"X-Request-ID": "7f3c2a1b9e8d4c6f"})
    assert response["X-Request-ID"] == "7f3c2a1b9e8d4c6f"
    assert seen == ["7f3c2a1b9e8d4c6f"]


@pytest.mark.parametrize(
    "offered",
    ["short", "x" * 65, "abc def ghi", "abcdefgh\nINFO forged line", "<script>alert(1)</script>"],
)
def test_an_id_that_is_not_a_plain_token_is_replaced(offered: str) -> None:
    response, _ = answer(**{"X-Request-ID": offered})
    assert OUR_OWN.fullmatch(response["X-Request-ID"])


def test_each_request_has_its_own_id() -> None:
    first, _ = answer()
    second, _ = answer()
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_an_audit_entry_names_the_request_that_made_it() -> None:
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    response = client.post(
        reverse("members:email_preferences"),
        {"receive": []},
        headers={"X-Request-ID": "req-0123456789abcdef"},
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    events = AuditEvent.objects.filter(action=AuditAction.CONSENT_WITHDRAWN)
    assert {e.data["category"] for e in events} == {c.value for c in EmailCategory} - {"essential"}
    assert {e.request_id for e in events} == {"req-0123456789abcdef"}


@pytest.mark.django_db
def test_an_audit_entry_made_outside_a_request_has_no_request_id() -> None:
    event = record(actor=None, action=AuditAction.SETTINGS_CHANGED, target=NetworkSettings.load())
    assert event.request_id == ""


def test_log_lines_carry_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("network.tests.request_id")
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    lines: list[str] = []
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:

        def view(request: HttpRequest) -> HttpResponse:
            logger.warning("answering")
            return HttpResponse("ok")

        RequestIdMiddleware(view)(
            RequestFactory().get("/", headers={"X-Request-ID": "abcdef0123456789"})
        )
        logger.warning("between requests")
    finally:
        logger.removeHandler(handler)
    assert "[abcdef0123456789] answering" in lines[0]
    assert "[-] between requests" in lines[1]
