"""What the mail provider reports back: heard only from the configured provider, every report
kept, and a message's status moved only forward."""

import base64
import importlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import Client, override_settings
from django.urls import clear_url_caches
from django.utils import timezone

import network.urls
from members.models import User
from network import mail
from network.models import OutboundEmail, ProviderEvent
from tests.factories import sign_in_with_mfa
from tests.network.test_production_settings import production_env, run

Status = OutboundEmail.Status
SECRET = "provider:a-long-shared-webhook-secret"
TRACKING = "/anymail/postmark/tracking/"
# Where anymail would listen for every provider it knows, tracking and inbound.
OTHER_PROVIDERS = [
    "/anymail/mailgun/tracking/",
    "/anymail/mailgun/inbound/",
    "/anymail/sendgrid/tracking/",
    "/anymail/amazon_ses/tracking/",
    "/anymail/brevo/tracking/",
    "/anymail/mandrill/",
    "/anymail/mandrill/tracking/",
    "/anymail/sparkpost/inbound/",
    "/anymail/unisender_go/tracking/",
]


def basic_auth(secret: str) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


@contextmanager
def provider_configured(name: str) -> Iterator[None]:
    """Run with EMAIL_PROVIDER set as if at start-up: the URLs are built again from it."""

    def build_urls() -> None:
        importlib.reload(network.urls)
        clear_url_caches()

    try:
        with override_settings(EMAIL_PROVIDER=name):
            build_urls()
            yield
    finally:
        build_urls()


@pytest.fixture
def postmark(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    with provider_configured("postmark"):
        yield


def sent(message_id: str) -> OutboundEmail:
    email = mail.queue_email("account/unknown_account", to="amara@example.org")
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, provider_message_id=message_id
    )
    return email


def status_of(email: OutboundEmail) -> str:
    return OutboundEmail.objects.get(pk=email.pk).status


def report(payload: dict[str, Any], auth: str | None = basic_auth(SECRET)) -> int:
    headers = {"authorization": auth} if auth else {}
    return (
        Client(raise_request_exception=False)
        .post(TRACKING, data=json.dumps(payload), content_type="application/json", headers=headers)
        .status_code
    )


def delivery(message_id: str, at: str = "2026-11-23T10:00:00Z") -> dict[str, Any]:
    return {
        "RecordType": "Delivery",
        "MessageID": message_id,
        "Recipient": "amara@example.org",
        "DeliveredAt": at,
        "Details": "smtp;250 2.0.0 OK",
        "Tag": "",
        "ServerID": 1,
    }


def bounce(
    message_id: str, bounce_id: int = 41, at: str = "2026-11-23T10:05:00Z", kind: str = "HardBounce"
) -> dict[str, Any]:
    return {
        "RecordType": "SpamComplaint" if kind == "SpamComplaint" else "Bounce",
        "ID": bounce_id,
        "Type": kind,
        "MessageID": message_id,
        "Email": "amara@example.org",
        "BouncedAt": at,
        "Description": "The server was unable to deliver your message",
        "Details": "smtp;550 5.1.1 amara@example.org: the email account does not exist.",
        "Tag": "",
        "ServerID": 1,
    }


def opened(message_id: str) -> dict[str, Any]:
    return {
        "RecordType": "Open",
        "MessageID": message_id,
        "Recipient": "amara@example.org",
        "ReceivedAt": "2026-11-23T11:00:00Z",
        "UserAgent": "Mozilla/5.0",
        "Geo": {"City": "Leeds", "IP": "192.0.2.7"},
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("postmark")
class TestReports:
    def test_a_signed_delivery_report_marks_the_message_delivered(self) -> None:
        email = sent("pm-1")
        other = sent("pm-2")
        assert report(delivery("pm-1")) == 200
        assert status_of(email) == Status.DELIVERED
        assert status_of(other) == Status.SENT

    def test_a_signed_bounce_marks_the_message_bounced(self) -> None:
        email = sent("pm-3")
        assert report(bounce("pm-3")) == 200
        assert status_of(email) == Status.BOUNCED
        assert list(OutboundEmail.objects.needing_attention()) == [email]

    @pytest.mark.parametrize("auth", [None, basic_auth("provider:wrong")])
    def test_an_unauthenticated_report_is_refused_and_changes_nothing(
        self, auth: str | None
    ) -> None:
        email = sent("pm-4")
        # anymail treats a bad or missing secret as a suspicious request: 400, nothing recorded.
        assert report(bounce("pm-4"), auth) == 400
        assert status_of(email) == Status.SENT
        assert not ProviderEvent.objects.exists()

    def test_a_late_delivery_report_never_undoes_a_bounce(self) -> None:
        email = sent("pm-5")
        assert report(bounce("pm-5", at="2026-11-23T10:05:00Z")) == 200
        assert report(delivery("pm-5", at="2026-11-23T10:00:00Z")) == 200
        assert status_of(email) == Status.BOUNCED
        events = ProviderEvent.objects.filter(email=email).order_by("received_at", "pk")
        assert [event.event_type for event in events] == ["bounced", "delivered"]

    def test_reports_move_a_message_forward_and_a_final_state_stays(self) -> None:
        email = sent("pm-6")
        report(delivery("pm-6"))
        assert status_of(email) == Status.DELIVERED
        report(bounce("pm-6", bounce_id=61, kind="SpamComplaint"))
        assert status_of(email) == Status.COMPLAINED
        report(bounce("pm-6", bounce_id=62))
        report(delivery("pm-6"))
        assert status_of(email) == Status.COMPLAINED
        assert ProviderEvent.objects.filter(email=email).count() == 4

    def test_each_report_is_kept_with_what_the_board_needs_and_no_personal_data(self) -> None:
        email = sent("pm-7")
        before = timezone.now()
        report(bounce("pm-7", bounce_id=71, at="2026-11-23T10:05:00Z"))
        report(opened("pm-7"))
        assert status_of(email) == Status.BOUNCED
        bounced, open_ = ProviderEvent.objects.filter(email=email).order_by("received_at", "pk")
        assert bounced.provider == "Postmark"
        assert bounced.event_type == "bounced"
        assert bounced.reject_reason == "bounced"
        assert bounced.event_id == "71"
        assert bounced.provider_message_id == "pm-7"
        assert bounced.occurred_at == datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
        assert before <= bounced.received_at <= timezone.now()
        assert open_.event_type == "opened"
        for event in (bounced, open_):
            # Times are left out: their digits could hold "550" by chance.
            stored = json.dumps(
                [str(value) for value in vars(event).values() if not isinstance(value, datetime)]
            )
            for personal in ("amara@example.org", "192.0.2.7", "Leeds", "Mozilla", "550"):
                assert personal not in stored

    def test_a_report_the_provider_sends_again_is_kept_once(self) -> None:
        email = sent("pm-8")
        assert report(bounce("pm-8", bounce_id=81)) == 200
        assert report(bounce("pm-8", bounce_id=81)) == 200
        assert ProviderEvent.objects.filter(email=email).count() == 1

    def test_a_report_about_a_message_we_did_not_send_is_kept_and_changes_nothing(self) -> None:
        email = sent("pm-9")
        assert report(delivery("pm-someone-else")) == 200
        assert status_of(email) == Status.SENT
        event = ProviderEvent.objects.get()
        assert event.email is None
        assert event.provider_message_id == "pm-someone-else"

    def test_a_report_that_overtakes_the_worker_still_counts(
        self, settings, django_capture_on_commit_callbacks
    ) -> None:
        settings.EMAIL_BACKEND = "tests.network.test_webhooks.OvertakingProvider"
        with django_capture_on_commit_callbacks(execute=True):
            email = mail.queue_email("account/unknown_account", to="amara@example.org")
        email.refresh_from_db()
        assert email.provider_message_id == "pm-fast"
        assert email.status == Status.DELIVERED
        assert ProviderEvent.objects.get().email == email


class OvertakingProvider(LocmemBackend):
    """A provider whose delivery report reaches the site before its answer reaches the worker."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = super().send_messages(email_messages)
        for message in email_messages:
            assert report(delivery("pm-fast")) == 200
            message.anymail_status = SimpleNamespace(message_id="pm-fast")  # type: ignore[attr-defined]
        return count


ORDER = [Status.QUEUED, Status.SENDING, Status.SENT, Status.DELIVERED]
FINAL = [Status.BOUNCED, Status.COMPLAINED, Status.FAILED, Status.SUPPRESSED, Status.NOT_NEEDED]


@pytest.mark.django_db
@pytest.mark.parametrize("current", Status.values)
def test_the_order_of_statuses_is_one_definition(current: str) -> None:
    email = OutboundEmail.objects.create(template="t", to_email="a@example.org", status=current)
    for reported in Status.values:
        moves = OutboundEmail.objects.filter(pk=email.pk).behind(reported).exists()
        assert moves == email.is_behind(reported), reported
        if current in FINAL:
            assert not moves
        elif reported in FINAL:
            assert moves
        else:
            assert moves == (ORDER.index(current) < ORDER.index(reported))


@pytest.mark.django_db
@pytest.mark.usefixtures("postmark")
def test_the_board_reads_each_report_on_the_message_and_cannot_change_them(
    board_member: User,
) -> None:
    email = sent("pm-10")
    report(delivery("pm-10"))
    report(bounce("pm-10", bounce_id=101))
    client = Client()
    sign_in_with_mfa(client, board_member)
    page = client.get(f"/board/network/outboundemail/{email.pk}/change/").content.decode()
    assert "Reports from the mail provider" in page
    assert page.count("Postmark") >= 2
    assert "delivered" in page and "bounced" in page
    assert 'name="provider_events-0-event_type"' not in page
    assert "provider_events-0-DELETE" not in page
    assert client.get("/board/network/providerevent/").status_code == 404


@pytest.mark.django_db
@pytest.mark.usefixtures("postmark")
@pytest.mark.parametrize("path", [*OTHER_PROVIDERS, "/anymail/postmark/inbound/"])
def test_only_the_configured_providers_reports_are_heard(path: str) -> None:
    client = Client(raise_request_exception=False)
    assert client.post(path, data="{}", content_type="application/json").status_code == 404
    assert client.post(TRACKING, data="{}", content_type="application/json").status_code == 400


@pytest.mark.django_db
def test_without_a_provider_no_reports_are_heard(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    client = Client(raise_request_exception=False)
    with provider_configured(""):
        for path in [TRACKING, *OTHER_PROVIDERS]:
            response = client.post(path, data="{}", content_type="application/json")
            assert response.status_code == 404, path


@pytest.mark.django_db
def test_reports_are_refused_in_production_until_a_secret_is_set(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ANYMAIL = {}
    email = sent("pm-11")
    with provider_configured("postmark"):
        assert report(bounce("pm-11"), auth=None) == 403
    assert status_of(email) == Status.SENT
    assert not ProviderEvent.objects.exists()


@pytest.mark.parametrize("provider", ["postmarkk", "Postmark", "base", "anymail.backends.postmark"])
def test_an_email_provider_anymail_does_not_know_stops_start_up(
    tmp_path: Path, provider: str
) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, EMAIL_PROVIDER=provider))
    assert result.returncode != 0
    assert "EMAIL_PROVIDER must name one of anymail's providers" in result.stderr
    assert "postmark" in result.stderr.splitlines()[-1]


def test_a_provider_anymail_knows_starts(tmp_path: Path) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, EMAIL_PROVIDER="amazon_ses"))
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
@pytest.mark.usefixtures("postmark")
def test_a_persons_data_download_includes_what_the_provider_reported(member: User) -> None:
    email = mail.queue_email("account/unknown_account", to=member.email)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, provider_message_id="pm-12"
    )
    report(delivery("pm-12", at="2026-11-23T10:00:00Z"))
    [message] = mail.export_for(member)["messages"]
    assert message["status"] == Status.DELIVERED
    assert message["reports"] == [
        {"report": "delivered", "happened_at": "2026-11-23T10:00:00+00:00"}
    ]
