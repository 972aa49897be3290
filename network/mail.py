"""The one way the network sends mail.

An app calls `queue_email` inside its own transaction: that writes an outbox row, so a rolled-back
change sends nothing and a committed one cannot be forgotten. After the commit a Celery task
claims the row and sends it; `sweep` catches any row whose task never ran. docs/mail.md explains
the guarantees.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from network.links import absolute_url
from network.models import (
    Announcement,
    AuditAction,
    EmailCategory,
    EmailOptOut,
    NetworkSettings,
    OutboundEmail,
    ProviderEvent,
    record,
)

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 60 * 60
# A claim older than this belongs to a worker that died mid-send.
STALLED_AFTER = timedelta(minutes=15)
# Rows younger than this still have their own task on the way.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_LIMIT = 5000
BATCH_SIZE = 1000
# Messages a worker claims and sends together, over one connection to the provider.
SEND_BATCH = 100
UNSUBSCRIBE_SALT = "network.mail.unsubscribe"
# Errors that cannot heal: the same message would fail the same way on every try (a missing or
# broken template, a context that does not fit it, a record it names that is gone). Anything else
# (the provider, or the connection to it, the cache, the database or the broker, failing for a
# while) is tried again with back-off, and fails for good only after MAX_ATTEMPTS.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    TemplateDoesNotExist,
    TemplateSyntaxError,
    ObjectDoesNotExist,
    KeyError,
    TypeError,
    ValueError,
)
# The reports that change a message's status (only ever forward: OutboundEmail.PROGRESS); the rest
# (deferred, opened and so on) are kept and change nothing.
PROVIDER_EVENTS = {
    "delivered": Status.DELIVERED,
    "bounced": Status.BOUNCED,
    "complained": Status.COMPLAINED,
    "rejected": Status.FAILED,
    "failed": Status.FAILED,
}


# Apps that keep what a message needs in their own records register a function that turns the
# message's stored context (ids) into what its templates show, read when the message is sent.
ContextBuilder = Callable[[dict[str, Any]], dict[str, Any]]
_context_builders: dict[str, ContextBuilder] = {}


def builds_context(template: str) -> Callable[[ContextBuilder], ContextBuilder]:
    def register(builder: ContextBuilder) -> ContextBuilder:
        _context_builders[template] = builder
        return builder

    return register


class NotNeeded(Exception):
    """Raised by a context builder when what the message was about has changed so that it no
    longer applies (a reminder for a place given up): the message is kept as not needed, never
    sent, and is not a failure for the board to look into."""


class RetryLater(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(f"retry in {seconds} seconds")
        self.seconds = seconds


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None = None
    context: dict[str, Any] = field(default_factory=dict)


def queue_email(
    template: str,
    *,
    to: str,
    user_id: int | None = None,
    context: dict[str, Any] | None = None,
    secret_context: dict[str, str] | None = None,
    attachments: Sequence[dict[str, str]] = (),
    category: EmailCategory = EmailCategory.ESSENTIAL,
) -> OutboundEmail:
    """Ask for one message, sent after the caller's transaction commits.

    `context` holds ids and plain values, never model instances; `secret_context` holds links that
    grant access and is erased once sent; attachments are {"filename", "content", "mimetype"}.
    """
    [email] = _queue(
        template,
        [Recipient(to, user_id, context or {})],
        category=category,
        secret_context=secret_context or {},
        attachments=list(attachments),
    )
    return email


def queue_emails(
    template: str,
    recipients: Iterable[Recipient],
    *,
    category: EmailCategory = EmailCategory.ESSENTIAL,
) -> list[OutboundEmail]:
    """Ask for many messages at once: two queries per thousand, whatever the number."""
    return _queue(template, list(recipients), category=category, secret_context={}, attachments=[])


def _queue(
    template: str,
    recipients: list[Recipient],
    *,
    category: EmailCategory,
    secret_context: dict[str, str],
    attachments: list[dict[str, str]],
) -> list[OutboundEmail]:
    queued: list[OutboundEmail] = []
    now = timezone.now()
    for start in range(0, len(recipients), BATCH_SIZE):
        batch = recipients[start : start + BATCH_SIZE]
        opted_out = _opted_out({r.email for r in batch}, category)
        rows = [
            OutboundEmail(
                template=template,
                to_email=r.email,
                recipient_id=r.user_id,
                category=category,
                context=r.context,
                secret_context=secret_context,
                attachments=attachments,
                status=Status.SUPPRESSED if r.email in opted_out else Status.QUEUED,
                created_at=now,
                send_after=now,
                status_changed_at=now,
            )
            for r in batch
        ]
        queued.extend(OutboundEmail.objects.bulk_create(rows))
    ids = [email.pk for email in queued if email.status == Status.QUEUED]
    if ids:
        transaction.on_commit(partial(enqueue, ids))
    return queued


def _opted_out(addresses: set[str], category: EmailCategory) -> set[str]:
    if category == EmailCategory.ESSENTIAL:
        return set()
    return set(
        EmailOptOut.objects.filter(category=category, email__in=addresses).values_list(
            "email", flat=True
        )
    )


def queue_announcement(
    template: str,
    *,
    category: EmailCategory,
    context: dict[str, Any] | None = None,
    user_ids: Iterable[int] | None = None,
    audience: dict[str, Any] | None = None,
) -> Announcement:
    """Ask for one message to many active accounts, written to the outbox by a task after the
    caller's transaction commits: one insert here, however many recipients.

    Give either `user_ids` or `audience`, lookups on the user model (for example
    {"profile__category": 3}). Each message's context is `context` plus the recipient's
    "user_id"; opted-out addresses are kept as not sent, as with `queue_emails`.
    """
    if (user_ids is None) == (audience is None):
        raise ValueError("Say who the announcement is for: user_ids or an audience, not both.")
    announcement = Announcement.objects.create(
        template=template,
        category=category,
        context=context or {},
        user_ids=sorted(set(user_ids)) if user_ids is not None else None,
        audience=audience,
    )
    transaction.on_commit(partial(_hand_over_announcements, [announcement.pk]))
    return announcement


def _hand_over_announcements(ids: list[int]) -> None:
    _hand_over(write_announcement, [(pk,) for pk in ids], countdown=0, what="announcements")


@shared_task(name="network.tasks.write_announcement")
def write_announcement(announcement_id: int) -> int:
    return write_announcement_messages(announcement_id=announcement_id)


def write_announcement_messages(*, announcement_id: int) -> int:
    """Write an announcement's messages to the outbox, BATCH_SIZE to a transaction; returns how
    many this call wrote. Each batch is handed to the workers as soon as it commits."""
    User = get_user_model()
    written = 0
    while True:
        with transaction.atomic():
            # The lock makes a second task (redelivered, or from the sweep) wait, then carry on
            # from where this one left off.
            announcement = (
                Announcement.objects.select_for_update().filter(pk=announcement_id).first()
            )
            if announcement is None or announcement.status != Announcement.Status.WRITING:
                return written
            accounts = User.objects.filter(is_active=True).order_by("pk")
            if announcement.user_ids is not None:
                ids = [pk for pk in announcement.user_ids if pk > announcement.written_up_to]
                ids = ids[:BATCH_SIZE]
                rows = list(accounts.filter(pk__in=ids).values_list("pk", "email"))
                # Ids of accounts gone or inactive are passed over with the rest of the batch.
                up_to = ids[-1] if ids else None
            else:
                lookups: dict[str, Any] = announcement.audience or {}
                accounts = accounts.filter(**lookups, pk__gt=announcement.written_up_to)
                rows = list(accounts.values_list("pk", "email")[:BATCH_SIZE])
                up_to = rows[-1][0] if rows else None
            now = timezone.now()
            if up_to is None:
                announcement.status = Announcement.Status.WRITTEN
                announcement.updated_at = now
                announcement.save(update_fields=["status", "updated_at"])
                return written
            queue_emails(
                announcement.template,
                (
                    Recipient(email, pk, {**announcement.context, "user_id": pk})
                    for pk, email in rows
                ),
                category=EmailCategory(announcement.category),
            )
            announcement.written_up_to = up_to
            announcement.messages_written = F("messages_written") + len(rows)
            announcement.updated_at = now
            announcement.save(update_fields=["written_up_to", "messages_written", "updated_at"])
            written += len(rows)


# The tasks live beside the outbox they work on, so this module needs nothing from network.tasks
# (which imports it). Late acknowledgement and reject-on-worker-lost come from the settings
# (CELERY_TASK_*), so a worker that dies mid-task gives the task back to the broker; the outbox
# claim keeps the redelivered task from sending twice.
@shared_task(name="network.tasks.send_emails")
def send_emails(email_ids: list[int]) -> int:
    """Send a batch of queued messages over one connection; returns how many this call sent."""
    outcome = deliver_batch(email_ids)
    for email_id, seconds in outcome.retry_in.items():
        # Each message that may yet go is tried again on its own, after its own delay; if the
        # broker cannot take it now, the row is queued and the sweep hands it over.
        _publish([[email_id]], countdown=seconds)
    return len(outcome.sent)


# The name tasks queued before batching were published under, so they still run.
@shared_task(name="network.tasks.send_email")
def send_email(email_id: int) -> int:
    return send_emails([email_id])


def enqueue(ids: Sequence[int]) -> None:
    """Hand rows to the workers, SEND_BATCH to a task. With the broker down, the rows wait for
    the sweep instead."""
    ids = list(ids)
    _publish([ids[start : start + SEND_BATCH] for start in range(0, len(ids), SEND_BATCH)])


def _publish(batches: list[list[int]], *, countdown: float = 0) -> None:
    batches = [batch for batch in batches if batch]
    _hand_over(send_emails, [(batch,) for batch in batches], countdown=countdown, what="emails")


def _hand_over(task: Any, calls: list[tuple[Any, ...]], *, countdown: float, what: str) -> None:
    """Publish one task per call. With the broker down, the work waits for the sweep."""
    if not calls:
        return
    app = task.app
    if app.conf.task_always_eager:
        # In-process tasks (the local site, the tests) need no broker.
        for args in calls:
            task.apply_async(args)
        return
    handed = 0
    try:
        with app.producer_or_acquire() as producer:
            # One try to reach the broker: kombu would otherwise keep trying for seconds, and this
            # runs in the request that queued the mail.
            producer.connection.ensure_connection(max_retries=0)
            for args in calls:
                task.apply_async(args, countdown=countdown, retry=False, producer=producer)
                handed += 1
    except OperationalError:
        logger.warning(
            "broker unavailable: %d tasks (%s) wait for the sweep", len(calls) - handed, what
        )


@dataclass
class BatchOutcome:
    sent: list[int] = field(default_factory=list)
    # Messages put back in the queue after an error that may pass: id -> seconds to wait.
    retry_in: dict[int, int] = field(default_factory=dict)


def deliver(*, email_id: int) -> bool:
    """Send one queued message, once. Returns whether this call sent it.

    Raises RetryLater after an error that may pass (the provider, cache, database or broker
    unreachable) while attempts remain.
    """
    outcome = deliver_batch([email_id])
    if email_id in outcome.retry_in:
        raise RetryLater(outcome.retry_in[email_id])
    return email_id in outcome.sent


def deliver_batch(email_ids: Sequence[int]) -> BatchOutcome:
    """Send the queued messages among `email_ids`, each once, over one connection to the provider.

    Each message is finished on its own, as soon as it is sent: a provider error on one puts that
    one back in the queue (or fails it) and the rest go on.
    """
    outcome = BatchOutcome()
    claimed = _claim(email_ids)
    if not claimed:
        return outcome
    network = _Once(NetworkSettings.load)
    connection = None
    try:
        for email in OutboundEmail.objects.filter(pk__in=claimed).order_by("pk"):
            try:
                message = render_email(email, network=network())
                if connection is None:
                    connection = get_connection()
                    connection.open()
                connection.send_messages([message])
            except NotNeeded as reason:
                _finish(email, Status.NOT_NEEDED, error=str(reason))
                logger.info("email %s (%s) no longer needed", email.pk, email.template)
                continue
            except PERMANENT_ERRORS as error:
                _finish(email, Status.FAILED, error=f"{type(error).__name__}: {error}")
                logger.exception("email %s (%s) could not be built", email.pk, email.template)
                continue
            except Exception as error:
                delay = _after_passing_error(email, error)
                if delay is not None:
                    outcome.retry_in[email.pk] = delay
                if connection is not None:
                    # The connection itself may be what failed: the next message opens a new one.
                    _close(connection)
                    connection = None
                continue
            status = getattr(message, "anymail_status", None)
            _finish(
                email, Status.SENT, provider_message_id=getattr(status, "message_id", None) or ""
            )
            outcome.sent.append(email.pk)
            logger.info(
                "email %s (%s) sent to account %s",
                email.pk,
                email.template,
                email.recipient_id or "-",
            )
    finally:
        if connection is not None:
            _close(connection)
    return outcome


def _claim(email_ids: Sequence[int]) -> list[int]:
    """Take the queued rows among `email_ids` for this worker.

    The conditional update is the claim: a duplicate task, a retry or the sweep racing a worker
    all find the row taken and send nothing. SKIP LOCKED leaves a row another worker or the sweep
    is claiming this instant to them, instead of waiting for it.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.filter(pk__in=list(email_ids), status=Status.QUEUED)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        OutboundEmail.objects.filter(pk__in=ids, status=Status.QUEUED).update(
            status=Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            status_changed_at=now,
        )
    return ids


class _Once:
    """A value read once per batch, on first use; an error is not kept, so the next try reads
    again (the cache may be back for the next message)."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read
        self._value: Any = None
        self._read_yet = False

    def __call__(self) -> Any:
        if not self._read_yet:
            self._value = self._read()
            self._read_yet = True
        return self._value


def _close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:
        logger.warning("the connection to the mail provider did not close cleanly", exc_info=True)


def _after_passing_error(email: OutboundEmail, error: Exception) -> int | None:
    """Put the message back in the queue with a delay (returned), or fail it after the last try."""
    detail = f"{type(error).__name__}: {error}"
    if email.attempts >= MAX_ATTEMPTS:
        _finish(email, Status.FAILED, error=detail)
        logger.error(
            "email %s (%s) failed after %d attempts", email.pk, email.template, email.attempts
        )
        return None
    delay = retry_delay(email.attempts)
    now = timezone.now()
    OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.QUEUED,
        last_error=detail,
        send_after=now + timedelta(seconds=delay),
        status_changed_at=now,
    )
    logger.warning("email %s (%s) will be retried in %ds", email.pk, email.template, delay)
    return delay


def _finish(
    email: OutboundEmail, status: str, *, error: str = "", provider_message_id: str = ""
) -> None:
    now = timezone.now()
    finished = OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=status,
        last_error=error,
        provider_message_id=provider_message_id,
        sent_at=now if status == Status.SENT else None,
        secret_context={},
        status_changed_at=now,
    )
    if finished and provider_message_id:
        _catch_up(email.pk, provider_message_id)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try: doubling from 30 s up to an hour, with full jitter."""
    return get_exponential_backoff_interval(
        factor=RETRY_BASE_SECONDS,
        retries=attempts - 1,
        maximum=RETRY_MAX_SECONDS,
        full_jitter=True,
    )


def render_email(
    email: OutboundEmail, *, network: NetworkSettings | None = None
) -> EmailMultiAlternatives:
    """Subject, plain text and HTML from templates/emails/<template>_{subject,message}.*"""
    builder = _context_builders.get(email.template)
    context: dict[str, Any] = {
        **email.context,
        **(builder(email.context) if builder else {}),
        **email.secret_context,
        "network": network or NetworkSettings.load(),
        "site_url": settings.SITE_URL,
    }
    headers = {}
    if email.category != EmailCategory.ESSENTIAL:
        context["unsubscribe_url"] = unsubscribe_url(email.to_email, email.category)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
    prefix = f"emails/{email.template}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{prefix}_message.txt", context),
        to=[email.to_email],
        headers=headers,
    )
    message.attach_alternative(render_to_string(f"{prefix}_message.html", context), "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message


def unsubscribe_url(address: str, category: str) -> str:
    token = signing.dumps({"email": address, "category": category}, salt=UNSUBSCRIBE_SALT)
    return absolute_url(reverse("unsubscribe", args=[token]))


def read_unsubscribe_token(token: str) -> tuple[str, EmailCategory]:
    """The address and category a link was made for; raises signing.BadSignature if forged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return data["email"], EmailCategory(data["category"])


def opt_out(*, email: str, category: EmailCategory) -> EmailOptOut | None:
    """Stop a category of mail to an address; the new opt-out, or None if it was stopped already."""
    if category == EmailCategory.ESSENTIAL:
        raise ValueError("Essential mail about an account cannot be turned off.")
    stopped, created = EmailOptOut.objects.get_or_create(email=email, category=category)
    return stopped if created else None


@transaction.atomic
def unsubscribe(*, email: str, category: EmailCategory) -> None:
    """The link at the foot of an email: the category stops, recorded as consent withdrawn (by
    the account with that address, if there is one; applicants have none)."""
    if stopped := opt_out(email=email, category=category):
        record(
            actor=get_user_model().objects.filter(email__iexact=email).first(),
            action=AuditAction.CONSENT_WITHDRAWN,
            target=stopped,
            data={"consent": "email", "category": category.value, "through": "email link"},
        )


def sweep(*, now: datetime | None = None) -> int:
    """Send what was never handed to a worker, and free claims left by dead workers."""
    now = now or timezone.now()
    stalled = OutboundEmail.objects.stalled(claimed_before=now - STALLED_AFTER)
    stalled.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error="The worker stopped while sending.", status_changed_at=now
    )
    # The worker may have handed the message over before it stopped: sending again risks one
    # duplicate, which is better than losing the message (docs/mail.md).
    stalled.update(status=Status.QUEUED, send_after=F("created_at"), status_changed_at=now)
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.due(now=now - SWEEP_GRACE)
            .order_by("send_after")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:SWEEP_LIMIT]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(send_after=now)
        transaction.on_commit(partial(enqueue, ids))
    # Announcements whose task never ran, or stopped half-way: a second task would only wait for
    # the first and carry on from where it left off.
    unfinished = list(
        Announcement.objects.filter(
            status=Announcement.Status.WRITING, updated_at__lt=now - SWEEP_GRACE
        ).values_list("pk", flat=True)
    )
    _hand_over_announcements(unfinished)
    return len(ids)


@transaction.atomic
def retry_failed(*, email_ids: Iterable[int]) -> int:
    """Send failed messages again, as new tries, after the board has dealt with the cause."""
    now = timezone.now()
    ids = list(
        OutboundEmail.objects.filter(pk__in=list(email_ids), status=Status.FAILED).values_list(
            "pk", flat=True
        )
    )
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=Status.QUEUED, attempts=0, last_error="", send_after=now, status_changed_at=now
    )
    transaction.on_commit(partial(enqueue, ids))
    return len(ids)


@transaction.atomic
def record_provider_event(
    *,
    provider: str,
    event_type: str,
    message_id: str = "",
    event_id: str = "",
    reject_reason: str = "",
    occurred_at: datetime | None = None,
) -> ProviderEvent | None:
    """Keep what the provider reports about a message, and move the message forward to match.

    Returns None for a report the provider has already sent once (providers retry webhooks).
    """
    email_id = (
        OutboundEmail.objects.filter(provider_message_id=message_id)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        if message_id
        else None
    )
    details = {
        "email_id": email_id,
        "event_type": event_type[:20],
        "reject_reason": reject_reason[:20],
        "provider_message_id": message_id[:255],
        "occurred_at": occurred_at,
    }
    if event_id:
        event, created = ProviderEvent.objects.get_or_create(
            provider=provider[:40], event_id=event_id[:255], defaults=details
        )
        if not created:
            return None
    else:
        event = ProviderEvent.objects.create(provider=provider[:40], **details)
    if email_id is not None:
        _advance(email_id, event_type)
    return event


def _advance(email_id: int, event_type: str) -> None:
    status = PROVIDER_EVENTS.get(event_type)
    if status is not None:
        # One conditional update: of two reports racing, the one that goes further wins,
        # whichever commits last.
        OutboundEmail.objects.filter(pk=email_id).behind(status).update(
            status=status, status_changed_at=timezone.now()
        )


def _catch_up(email_id: int, message_id: str) -> None:
    """Apply reports that overtook the worker: the provider called the webhook before its answer
    to the send reached us, so they were kept without a message to belong to."""
    early = ProviderEvent.objects.filter(provider_message_id=message_id, email=None)
    event_types = list(early.values_list("event_type", flat=True))
    early.update(email_id=email_id)
    for event_type in event_types:
        _advance(email_id, event_type)


def record_tracking_event(sender: object, event: Any, esp_name: str, **kwargs: Any) -> None:
    kept = record_provider_event(
        provider=esp_name,
        event_type=event.event_type or "unknown",
        message_id=event.message_id or "",
        event_id=event.event_id or "",
        reject_reason=event.reject_reason or "",
        occurred_at=event.timestamp,
    )
    if kept is None:
        logger.info("%s sent a %s report again", esp_name, event.event_type)
    else:
        logger.info("%s reported %s for email %s", esp_name, event.event_type, kept.email_id)


def export_for(user: Any) -> dict[str, Any]:
    """What the mail records hold about a person, for 'download my data'."""
    return {
        "messages": [
            {
                "template": email.template,
                "category": email.category,
                "status": email.status,
                "created_at": email.created_at.isoformat(),
                "sent_at": email.sent_at.isoformat() if email.sent_at else None,
                "reports": [
                    {
                        "report": event.event_type,
                        "happened_at": event.occurred_at.isoformat() if event.occurred_at else None,
                    }
                    for event in email.provider_events.all()
                ],
            }
            for email in OutboundEmail.objects.filter(to_email__iexact=user.email).prefetch_related(
                "provider_events"
            )
        ],
        "stopped_categories": list(
            EmailOptOut.objects.filter(email__iexact=user.email).values_list("category", flat=True)
        ),
    }


def opt_in(*, email: str, category: EmailCategory) -> None:
    EmailOptOut.objects.filter(email__iexact=email, category=category).delete()
