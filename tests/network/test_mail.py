import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail as django_mail
from django.db import InterfaceError, OperationalError, connection, transaction
from django.template import TemplateSyntaxError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from invitations.models import Invitation
from members.demo import create_many
from members.models import User
from network import mail
from network.celery import app as celery_app
from network.models import (
    Announcement,
    AuditAction,
    AuditEvent,
    EmailCategory,
    EmailOptOut,
    NetworkSettings,
    OutboundEmail,
)
from network.tasks import send_email, send_emails
from tests.board.mail_samples import BOARD_SAMPLES
from tests.discussions.digest_mail_samples import DIGEST_SAMPLES
from tests.discussions.moderation_mail_samples import MODERATION_SAMPLES
from tests.discussions.notify_mail_samples import NOTIFY_SAMPLES
from tests.events.mail_samples import EVENT_SAMPLES
from tests.factories import ApplicationFactory, sign_in_with_mfa
from tests.mentoring.mail_samples import MENTORING_SAMPLES
from tests.network.backends import RefusingOneAddressBackend

Status = OutboundEmail.Status
RESET = "account/password_reset_key"
RESET_CONTEXT = {"email": "amara@example.org"}
RESET_LINK = {"password_reset_url": "https://network.example.org/accounts/password/reset/key/1-a/"}


def queue_reset(to: str = "amara@example.org", **kwargs) -> OutboundEmail:  # type: ignore[no-untyped-def]
    return mail.queue_email(
        RESET, to=to, context=RESET_CONTEXT, secret_context=RESET_LINK, **kwargs
    )


@pytest.mark.django_db
class TestOutbox:
    def test_a_rolled_back_change_sends_nothing(self, django_capture_on_commit_callbacks) -> None:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            queue_reset()
            raise RuntimeError("the change failed")
        assert django_mail.outbox == []
        assert not OutboundEmail.objects.exists()

    def test_a_committed_change_sends_exactly_one_message(
        self, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            email = queue_reset()
        assert len(django_mail.outbox) == 1
        message = django_mail.outbox[0]
        assert message.to == ["amara@example.org"]
        assert RESET_LINK["password_reset_url"] in message.body
        email.refresh_from_db()
        assert email.status == Status.SENT
        assert email.attempts == 1
        assert email.sent_at is not None
        assert email.secret_context == {}

    def test_running_the_send_task_twice_sends_one_message(
        self, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            email = queue_reset()
        send_email.apply(args=[email.pk])
        mail.deliver(email_id=email.pk)
        assert len(django_mail.outbox) == 1
        email.refresh_from_db()
        assert email.attempts == 1

    def test_provider_errors_are_retried_with_growing_delays_then_marked_failed(
        self, settings
    ) -> None:
        settings.EMAIL_BACKEND = "tests.network.backends.RefusingBackend"
        email = queue_reset()
        ceilings = []
        for attempt in range(1, mail.MAX_ATTEMPTS):
            before = timezone.now()
            with pytest.raises(mail.RetryLater) as later:
                mail.deliver(email_id=email.pk)
            ceiling = min(mail.RETRY_MAX_SECONDS, mail.RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            assert 0 <= later.value.seconds <= ceiling
            ceilings.append(ceiling)
            email.refresh_from_db()
            assert email.status == Status.QUEUED
            assert email.attempts == attempt
            assert "The provider is unavailable (503)" in email.last_error
            assert email.send_after >= before + timedelta(seconds=later.value.seconds)
        assert ceilings == sorted(ceilings) and ceilings[-1] > ceilings[0]

        assert mail.deliver(email_id=email.pk) is False
        email.refresh_from_db()
        assert email.status == Status.FAILED
        assert email.attempts == mail.MAX_ATTEMPTS
        assert "503" in email.last_error
        assert email.secret_context == {}
        assert django_mail.outbox == []

    def test_the_task_retries_until_the_last_try_and_the_board_sees_the_failure(
        self, settings, django_capture_on_commit_callbacks, board_member: User
    ) -> None:
        settings.EMAIL_BACKEND = "tests.network.backends.RefusingBackend"
        with django_capture_on_commit_callbacks(execute=True):
            email = queue_reset()
        email.refresh_from_db()
        assert email.status == Status.FAILED
        assert email.attempts == mail.MAX_ATTEMPTS

        client = Client()
        sign_in_with_mfa(client, board_member)
        page = client.get("/board/network/outboundemail/?status__exact=failed").content.decode()
        assert "amara@example.org" in page
        assert "Send the selected failed emails again" in page

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/board/network/outboundemail/",
                {"action": "retry", "_selected_action": [email.pk]},
            )
        assert response.status_code == 302
        email.refresh_from_db()
        assert email.status == Status.SENT
        assert len(django_mail.outbox) == 1

    def test_a_broken_message_fails_at_once_without_retries(self) -> None:
        email = mail.queue_email("no/such-template", to="amara@example.org")
        assert mail.deliver(email_id=email.pk) is False
        email.refresh_from_db()
        assert email.status == Status.FAILED
        assert email.attempts == 1
        assert "TemplateDoesNotExist" in email.last_error

    @pytest.mark.parametrize(
        "outage",
        [
            redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379."),
            redis.exceptions.TimeoutError("Timeout reading from socket"),
            OperationalError("the database system is starting up"),
            InterfaceError("connection already closed"),
            KombuOperationalError("Error 111 connecting to 127.0.0.1:6379."),
        ],
        ids=type,
    )
    def test_a_cache_or_database_outage_while_rendering_is_retried_then_sent_once(
        self, monkeypatch, outage: Exception
    ) -> None:
        read_settings = NetworkSettings.load
        outages = [outage]

        def load_during_an_outage() -> NetworkSettings:
            if outages:
                raise outages.pop()
            return read_settings()

        monkeypatch.setattr(NetworkSettings, "load", load_during_an_outage)
        email = queue_reset()
        with pytest.raises(mail.RetryLater):
            mail.deliver(email_id=email.pk)
        email.refresh_from_db()
        assert email.status == Status.QUEUED
        assert email.attempts == 1
        assert type(outage).__name__ in email.last_error
        assert email.secret_context == RESET_LINK

        assert mail.deliver(email_id=email.pk) is True
        assert mail.deliver(email_id=email.pk) is False
        email.refresh_from_db()
        assert email.status == Status.SENT
        assert email.attempts == 2
        assert len(django_mail.outbox) == 1

    @pytest.mark.parametrize(
        "fault",
        [
            TemplateSyntaxError("Invalid block tag: 'endfor'"),
            KeyError("invitation_id"),
            ValueError("invalid literal for int() with base 10: 'abc'"),
            TypeError("'NoneType' object is not subscriptable"),
        ],
        ids=type,
    )
    def test_a_message_that_can_never_render_fails_at_once(
        self, monkeypatch, fault: Exception
    ) -> None:
        def broken(*args: object, **kwargs: object) -> NetworkSettings:
            raise fault

        monkeypatch.setattr(NetworkSettings, "load", broken)
        email = queue_reset()
        assert mail.deliver(email_id=email.pk) is False
        email.refresh_from_db()
        assert email.status == Status.FAILED
        assert email.attempts == 1
        assert type(fault).__name__ in email.last_error

    def test_sweep_sends_what_never_reached_a_worker_and_frees_dead_claims(
        self, django_capture_on_commit_callbacks
    ) -> None:
        orphan = queue_reset("orphan@example.org")
        claimed = queue_reset("claimed@example.org")
        OutboundEmail.objects.filter(pk=claimed.pk).update(
            status=Status.SENDING, claimed_at=timezone.now(), attempts=1
        )
        fresh = queue_reset("fresh@example.org")
        OutboundEmail.objects.filter(pk=fresh.pk).update(
            send_after=timezone.now() + timedelta(hours=1)
        )

        later = timezone.now() + mail.STALLED_AFTER + timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert mail.sweep(now=later) == 2
        sent_to = sorted(message.to[0] for message in django_mail.outbox)
        assert sent_to == ["claimed@example.org", "orphan@example.org"]
        orphan.refresh_from_db()
        assert orphan.status == Status.SENT

        with django_capture_on_commit_callbacks(execute=True):
            assert mail.sweep(now=later) == 0
        assert len(django_mail.outbox) == 2

    def test_queuing_many_takes_a_constant_number_of_queries_per_batch(self) -> None:
        def queries_for(count: int) -> int:
            recipients = [mail.Recipient(f"m{i}@example.org", None, {}) for i in range(count)]
            with CaptureQueriesContext(connection) as queries:
                mail.queue_emails(RESET, recipients, category=EmailCategory.EVENTS)
            return len(queries)

        full_batch = queries_for(mail.BATCH_SIZE)
        assert queries_for(3 * mail.BATCH_SIZE) == 3 * full_batch
        if connection.vendor == "postgresql":
            # One query for opt-outs and one insert, however full the batch. (SQLite caps the
            # parameters in a query, so Django splits its inserts into a few more.)
            assert queries_for(10) == full_batch == 2


@pytest.mark.django_db
class TestBatches:
    def queue(self, *addresses: str) -> list[int]:
        recipients = [mail.Recipient(address, None, RESET_CONTEXT) for address in addresses]
        return [email.pk for email in mail.queue_emails(RESET, recipients)]

    def test_a_provider_error_on_one_message_retries_that_one_only(self, settings) -> None:
        settings.EMAIL_BACKEND = "tests.network.backends.RefusingOneAddressBackend"
        RefusingOneAddressBackend.opened = 0
        ids = self.queue("a@example.org", RefusingOneAddressBackend.REFUSED, "b@example.org")
        refused = ids[1]

        outcome = mail.deliver_batch(ids)
        assert outcome.sent == [ids[0], ids[2]]
        assert list(outcome.retry_in) == [refused]
        assert sorted(message.to[0] for message in django_mail.outbox) == [
            "a@example.org",
            "b@example.org",
        ]
        email = OutboundEmail.objects.get(pk=refused)
        assert email.status == Status.QUEUED
        assert email.attempts == 1
        assert "422" in email.last_error
        assert email.send_after > timezone.now() - timedelta(seconds=1)
        # A connection reopened after the refusal; none for each message.
        assert RefusingOneAddressBackend.opened == 2

        # The batch's task delivered again finds the others sent and tries only the refused one.
        again = mail.deliver_batch(ids)
        assert again.sent == [] and list(again.retry_in) == [refused]
        assert len(django_mail.outbox) == 2
        for pk in (ids[0], ids[2]):
            assert OutboundEmail.objects.get(pk=pk).attempts == 1

    def test_the_task_retries_the_refused_message_alone_until_it_fails(
        self, settings, django_capture_on_commit_callbacks
    ) -> None:
        settings.EMAIL_BACKEND = "tests.network.backends.RefusingOneAddressBackend"
        with django_capture_on_commit_callbacks(execute=True):
            ids = self.queue("a@example.org", RefusingOneAddressBackend.REFUSED, "b@example.org")
        assert len(django_mail.outbox) == 2
        statuses = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "status"))
        assert statuses == {ids[0]: Status.SENT, ids[1]: Status.FAILED, ids[2]: Status.SENT}
        attempts = dict(OutboundEmail.objects.filter(pk__in=ids).values_list("pk", "attempts"))
        assert attempts == {ids[0]: 1, ids[1]: mail.MAX_ATTEMPTS, ids[2]: 1}

    def test_a_message_that_cannot_be_built_fails_alone(self) -> None:
        [good] = self.queue("a@example.org")
        broken = mail.queue_email("no/such-template", to="b@example.org").pk
        outcome = mail.deliver_batch([good, broken])
        assert outcome.sent == [good] and outcome.retry_in == {}
        assert OutboundEmail.objects.get(pk=broken).status == Status.FAILED
        assert [message.to for message in django_mail.outbox] == [["a@example.org"]]

    def test_a_batch_costs_one_claim_one_read_and_one_update_a_message(self) -> None:
        def queries_for(count: int) -> int:
            ids = self.queue(*(f"m{i}@example.org" for i in range(count)))
            with CaptureQueriesContext(connection) as queries:
                assert len(mail.deliver_batch(ids).sent) == count
            return len(queries)

        queries_for(1)  # the network settings, read once into the cache
        ten, hundred = queries_for(10), queries_for(mail.SEND_BATCH)
        assert hundred - ten == mail.SEND_BATCH - 10

    def test_queueing_hands_over_one_task_a_batch(self, settings) -> None:
        published: list[list[int]] = []
        send = send_emails.apply_async

        def recorded(args: tuple[list[int]], **options: object) -> object:
            published.append(list(args[0]))
            return send(args, **options)

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        ids = self.queue(*(f"m{i}@example.org" for i in range(250)))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(send_emails, "apply_async", recorded)
            mail.enqueue(ids)
        assert [len(batch) for batch in published] == [100, 100, 50]
        assert sorted(pk for batch in published for pk in batch) == sorted(ids)
        assert len(django_mail.outbox) == 250


@pytest.mark.django_db
class TestAnnouncements:
    @pytest.fixture
    def crowd(self, monkeypatch) -> list[int]:
        # Small batches, so a few dozen accounts take several.
        monkeypatch.setattr(mail, "BATCH_SIZE", 10)
        create_many(25, password="not-used", email_prefix="crowd")
        return list(
            User.objects.filter(email__startswith="crowd")
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def test_asking_costs_one_query_whatever_the_audience(self) -> None:
        def queries_for(count: int) -> int:
            with CaptureQueriesContext(connection) as queries:
                mail.queue_announcement(
                    RESET, category=EmailCategory.NETWORK_NEWS, user_ids=range(1, count + 1)
                )
            return len(queries)

        assert queries_for(20_000) == queries_for(10) == 1
        assert not OutboundEmail.objects.exists()

    def test_the_task_writes_every_message_once_and_hands_them_over(
        self, crowd: list[int], django_capture_on_commit_callbacks
    ) -> None:
        mail.opt_out(email="crowd000003@example.org", category=EmailCategory.NETWORK_NEWS)
        with django_capture_on_commit_callbacks(execute=True):
            announcement = mail.queue_announcement(
                "account/unknown_account",
                category=EmailCategory.NETWORK_NEWS,
                context={"email": "the network"},
                audience={"email__startswith": "crowd"},
            )
        announcement.refresh_from_db()
        assert announcement.status == Announcement.Status.WRITTEN
        assert announcement.messages_written == 25
        rows = OutboundEmail.objects.filter(template="account/unknown_account")
        assert sorted(rows.values_list("recipient_id", flat=True)) == crowd
        assert rows.filter(status=Status.SUPPRESSED).count() == 1
        assert rows.filter(status=Status.SENT).count() == 24
        assert len(django_mail.outbox) == 24
        assert rows.first().context["user_id"] in crowd  # type: ignore[union-attr]

        assert mail.write_announcement_messages(announcement_id=announcement.pk) == 0
        assert rows.count() == 25

    def test_a_task_that_stops_half_way_is_carried_on_without_doubling(
        self, crowd: list[int], monkeypatch
    ) -> None:
        inactive = crowd[4]
        User.objects.filter(pk=inactive).update(is_active=False)
        announcement = mail.queue_announcement(
            RESET, category=EmailCategory.ESSENTIAL, user_ids=[*crowd, 999_999], context={}
        )
        write = mail.queue_emails
        batches: list[int] = []

        def stop_at_the_second_batch(*args, **kwargs):  # type: ignore[no-untyped-def]
            batches.append(1)
            if len(batches) == 2:
                raise OperationalError("the worker lost its database connection")
            return write(*args, **kwargs)

        monkeypatch.setattr(mail, "queue_emails", stop_at_the_second_batch)
        with pytest.raises(OperationalError):
            mail.write_announcement_messages(announcement_id=announcement.pk)
        # The first batch of ten ids holds the inactive account.
        assert OutboundEmail.objects.count() == 9

        monkeypatch.setattr(mail, "queue_emails", write)
        assert mail.write_announcement_messages(announcement_id=announcement.pk) == 15
        recipients = list(OutboundEmail.objects.values_list("recipient_id", flat=True))
        assert sorted(recipients) == [pk for pk in crowd if pk != inactive]

    def test_the_sweep_hands_over_an_announcement_whose_task_never_ran(
        self, crowd: list[int]
    ) -> None:
        announcement = mail.queue_announcement(
            RESET, category=EmailCategory.ESSENTIAL, audience={"email__startswith": "crowd"}
        )
        mail.sweep(now=timezone.now() + mail.SWEEP_GRACE + timedelta(seconds=1))
        announcement.refresh_from_db()
        assert announcement.status == Announcement.Status.WRITTEN
        assert OutboundEmail.objects.count() == 25

    def test_an_announcement_needs_exactly_one_audience(self) -> None:
        with pytest.raises(ValueError, match="user_ids or an audience"):
            mail.queue_announcement(RESET, category=EmailCategory.ESSENTIAL)
        with pytest.raises(ValueError, match="user_ids or an audience"):
            mail.queue_announcement(
                RESET, category=EmailCategory.ESSENTIAL, user_ids=[1], audience={}
            )


@pytest.mark.django_db(transaction=True)
def test_a_sweep_racing_a_worker_sends_one_message(settings, requires_postgres) -> None:
    settings.EMAIL_BACKEND = "tests.network.backends.SlowBackend"
    # A row whose task never ran, as if the broker had lost it.
    email = OutboundEmail.objects.create(
        template=RESET, to_email="amara@example.org", context=RESET_CONTEXT
    )
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        mail.deliver(email_id=email.pk)
        connection.close()

    def sweeper() -> None:
        start.wait()
        # Late enough that the row is due, too early to take the worker's claim for a dead one.
        mail.sweep(now=timezone.now() + mail.SWEEP_GRACE + timedelta(seconds=1))
        connection.close()

    threads = [threading.Thread(target=worker), threading.Thread(target=sweeper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(django_mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert email.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_batch_send_each_message_once(
    settings, requires_postgres
) -> None:
    settings.EMAIL_BACKEND = "tests.network.backends.SlowBackend"
    ids = [
        email.pk
        for email in mail.queue_emails(
            RESET, [mail.Recipient(f"m{i}@example.org", None, RESET_CONTEXT) for i in range(3)]
        )
    ]
    # The hand-over above already sent them, in this thread: queue them again, untouched.
    OutboundEmail.objects.filter(pk__in=ids).update(status=Status.QUEUED, attempts=0)
    django_mail.outbox.clear()
    start = threading.Barrier(2)
    sent: list[list[int]] = []

    def worker() -> None:
        start.wait()
        sent.append(mail.deliver_batch(ids).sent)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(pk for batch in sent for pk in batch) == sorted(ids)
    assert sorted(message.to[0] for message in django_mail.outbox) == [
        "m0@example.org",
        "m1@example.org",
        "m2@example.org",
    ]
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def _reset_producers() -> None:
    # Publishing reuses pooled connections; forget them so the next publish uses broker_url.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db
def test_a_broker_that_is_down_delays_mail_without_breaking_the_page(
    client: Client, member: User, django_capture_on_commit_callbacks
) -> None:
    broker = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:9/0"
    _reset_producers()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": member.email})
    finally:
        celery_app.conf.broker_url = broker
        celery_app.conf.task_always_eager = True
        _reset_producers()
    assert response.status_code == 302
    email = OutboundEmail.objects.get()
    assert email.status == Status.QUEUED
    assert django_mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        mail.sweep(now=timezone.now() + timedelta(minutes=5))
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].to == [member.email]


@pytest.mark.django_db
class TestOptOut:
    def test_opening_the_link_changes_nothing_and_pressing_the_button_opts_out(
        self, client: Client
    ) -> None:
        url = mail.unsubscribe_url("amara@example.org", EmailCategory.EVENTS)
        path = url.removeprefix(django_settings.SITE_URL)
        page = client.get(path)
        assert page.status_code == 200
        assert "event announcements and reminders" in page.content.decode()
        assert not EmailOptOut.objects.exists()

        done = client.post(path)
        assert "You will not get these emails" in done.content.decode()
        assert EmailOptOut.objects.filter(
            email="amara@example.org", category=EmailCategory.EVENTS
        ).exists()

    def test_the_link_is_recorded_as_consent_withdrawn_once_by_the_account_it_belongs_to(
        self, client: Client
    ) -> None:
        member = User.objects.create_user(email="amara@example.org", password=None, name="Amara")
        path = mail.unsubscribe_url("Amara@example.org", EmailCategory.EVENTS)
        client.post(path.removeprefix(django_settings.SITE_URL))
        client.post(path.removeprefix(django_settings.SITE_URL))
        [withdrawn] = AuditEvent.objects.filter(action=AuditAction.CONSENT_WITHDRAWN)
        assert withdrawn.actor_id == member.pk
        assert withdrawn.data == {
            "consent": "email",
            "category": "events",
            "through": "email link",
        }
        assert "amara" not in str(withdrawn.data).lower()

    def test_a_forged_link_is_refused_and_changes_nothing(self, client: Client) -> None:
        url = mail.unsubscribe_url("amara@example.org", EmailCategory.EVENTS)
        path = url.removeprefix(django_settings.SITE_URL)[:-3] + "xx/"
        response = client.post(path)
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
        assert not EmailOptOut.objects.exists()

    def test_opted_out_people_get_no_more_of_that_category_but_still_get_essentials(
        self, django_capture_on_commit_callbacks
    ) -> None:
        mail.opt_out(email="amara@example.org", category=EmailCategory.EVENTS)
        with django_capture_on_commit_callbacks(execute=True):
            skipped = queue_reset(category=EmailCategory.EVENTS)
            essential = queue_reset()
        assert OutboundEmail.objects.get(pk=skipped.pk).status == Status.SUPPRESSED
        assert OutboundEmail.objects.get(pk=essential.pk).status == Status.SENT
        assert len(django_mail.outbox) == 1

    def test_non_essential_mail_carries_an_unsubscribe_link(
        self, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            queue_reset(category=EmailCategory.EVENTS)
        message = django_mail.outbox[0]
        assert "/email/stop/" in message.body
        assert message.extra_headers["List-Unsubscribe"].startswith(f"<{django_settings.SITE_URL}")


def application_context() -> tuple[dict, dict]:  # type: ignore[type-arg]
    application = ApplicationFactory(more_info_request="Who have you mentored this year?")
    secrets = {
        "withdraw_url": "https://network.example.org/join/withdraw/abc/",
        "more_info_url": "https://network.example.org/join/more/abc/",
    }
    return {"application_id": application.pk, "nominator": "Amara Okafor"}, secrets


def invitation_context() -> tuple[dict, dict]:  # type: ignore[type-arg]
    application = ApplicationFactory(status="approved")
    invitation = Invitation(application=application, email=application.email)
    invitation.new_link(days=14)
    invitation.save()
    return {"invitation_id": invitation.pk}, {}


def member_context() -> tuple[dict, dict]:  # type: ignore[type-arg]
    member = User.objects.create_user(email="amara@example.org", password=None, name="Amara")
    return {"user_id": member.pk}, {}


SAMPLE_CONTEXTS = {
    "account/password_reset_key": lambda: ({"email": "amara@example.org"}, RESET_LINK),
    "account/unknown_account": lambda: ({"email": "amara@example.org"}, {}),
    "account/email_confirmation": lambda: (
        {"email": "amara@example.org"},
        {"activate_url": "https://network.example.org/accounts/confirm-email/abc/"},
    ),
    "invitations/acknowledgement": application_context,
    "invitations/rejected": application_context,
    "invitations/nominated": application_context,
    "invitations/more_info": application_context,
    "invitations/invitation": invitation_context,
    "invitations/reminder": invitation_context,
    "invitations/invitation_waiting": invitation_context,
    "invitations/received_again": application_context,
    "invitations/already_member": member_context,
    **EVENT_SAMPLES,
    **MENTORING_SAMPLES,
    **BOARD_SAMPLES,
    **DIGEST_SAMPLES,
    **MODERATION_SAMPLES,
    **NOTIFY_SAMPLES,
}


def mail_templates() -> list[str]:
    root = Path(django_settings.BASE_DIR) / "templates" / "emails"
    return sorted(
        str(path.relative_to(root)).removesuffix("_message.txt")
        for path in root.rglob("*_message.txt")
        if path.name != "base_message.txt"
    )


def test_every_mail_template_has_a_sample_context() -> None:
    assert sorted(SAMPLE_CONTEXTS) == mail_templates()


@pytest.mark.django_db
@pytest.mark.parametrize("template", mail_templates())
@pytest.mark.parametrize("category", [EmailCategory.ESSENTIAL, EmailCategory.EVENTS])
def test_every_mail_template_renders_fully_with_absolute_links(
    settings, template: str, category: EmailCategory
) -> None:
    settings.SITE_URL = "https://network.example.org"
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "string_if_invalid": "MISSING[%s]"}}
    ]
    context, secret = SAMPLE_CONTEXTS[template]()
    email = OutboundEmail(
        template=template,
        to_email="amara@example.org",
        context=context,
        secret_context=secret,
        category=category,
    )
    message = mail.render_email(email)
    html = message.alternatives[0][0]
    for part in (message.subject, message.body, html):
        assert "MISSING[" not in part
        assert "{{" not in part and "{%" not in part
    assert message.subject and "\n" not in message.subject
    for link in re.findall(r'href="([^"]+)"', html):
        assert link.startswith(("https://network.example.org/", "mailto:")), link
    for link in re.findall(r"https?://\S+", message.body):
        assert link.startswith("https://network.example.org/"), link


def test_local_mail_is_printed_where_the_person_trying_the_site_can_read_it(
    client: Client, member: User, settings, capsys, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": member.email})
    printed = capsys.readouterr().out
    assert f"To: {member.email}" in printed
    assert "/accounts/password/reset/key/" in printed
