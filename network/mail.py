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

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from network.links import absolute_url
from network.models import (
    EmailCategory,
    EmailOptOut,
    NetworkSettings,
    OutboundEmail,
    ProviderEvent,
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


# The task lives beside the outbox it works on, so this module needs nothing from network.tasks
# (which imports it); it keeps the name it has always had, so tasks already queued still run.
# Late acknowledgement and reject-on-worker-lost come from the settings (CELERY_TASK_*), so a
# worker that dies mid-task gives the task back to the broker; the outbox claim keeps the
# redelivered task from sending twice.
@shared_task(bind=True, name="network.tasks.send_email", max_retries=MAX_ATTEMPTS)
def send_email(self: Task, email_id: int) -> bool:
    try:
        return deliver(email_id=email_id)
    except RetryLater as later:
        raise self.retry(countdown=later.seconds) from later


def enqueue(ids: Sequence[int]) -> None:
    """Hand rows to the workers. With the broker down, the rows wait for the sweep instead."""
    if not ids:
        return
    app = send_email.app
    if app.conf.task_always_eager:
        # In-process tasks (the local site, the tests) need no broker.
        for email_id in ids:
            send_email.apply_async((email_id,))
        return
    handed = 0
    try:
        with app.producer_or_acquire() as producer:
            # One try to reach the broker: kombu would otherwise keep trying for seconds, and this
            # runs in the request that queued the mail.
            producer.connection.ensure_connection(max_retries=0)
            for email_id in ids:
                send_email.apply_async((email_id,), retry=False, producer=producer)
                handed += 1
    except OperationalError:
        logger.warning("broker unavailable: %d emails wait for the sweep", len(ids) - handed)


def deliver(*, email_id: int) -> bool:
    """Send one queued message, once. Returns whether this call sent it.

    Raises RetryLater after an error that may pass (the provider, cache, database or broker
    unreachable) while attempts remain.
    """
    now = timezone.now()
    # The conditional update is the claim: a duplicate task, a retry or the sweep racing a
    # worker all find the row taken and send nothing.
    claimed = OutboundEmail.objects.filter(pk=email_id, status=Status.QUEUED).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, status_changed_at=now
    )
    if not claimed:
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        message = render_email(email)
        message.send()
    except PERMANENT_ERRORS as error:
        _finish(email, Status.FAILED, error=f"{type(error).__name__}: {error}")
        logger.exception("email %s (%s) could not be built", email.pk, email.template)
        return False
    except Exception as error:
        return _after_passing_error(email, error)
    status = getattr(message, "anymail_status", None)
    _finish(email, Status.SENT, provider_message_id=getattr(status, "message_id", None) or "")
    logger.info(
        "email %s (%s) sent to account %s", email.pk, email.template, email.recipient_id or "-"
    )
    return True


def _after_passing_error(email: OutboundEmail, error: Exception) -> bool:
    detail = f"{type(error).__name__}: {error}"
    if email.attempts >= MAX_ATTEMPTS:
        _finish(email, Status.FAILED, error=detail)
        logger.error(
            "email %s (%s) failed after %d attempts", email.pk, email.template, email.attempts
        )
        return False
    delay = retry_delay(email.attempts)
    now = timezone.now()
    OutboundEmail.objects.filter(pk=email.pk, status=Status.SENDING).update(
        status=Status.QUEUED,
        last_error=detail,
        send_after=now + timedelta(seconds=delay),
        status_changed_at=now,
    )
    logger.warning("email %s (%s) will be retried in %ds", email.pk, email.template, delay)
    raise RetryLater(delay)


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


def render_email(email: OutboundEmail) -> EmailMultiAlternatives:
    """Subject, plain text and HTML from templates/emails/<template>_{subject,message}.*"""
    builder = _context_builders.get(email.template)
    context: dict[str, Any] = {
        **email.context,
        **(builder(email.context) if builder else {}),
        **email.secret_context,
        "network": NetworkSettings.load(),
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


def opt_out(*, email: str, category: EmailCategory) -> None:
    if category == EmailCategory.ESSENTIAL:
        raise ValueError("Essential mail about an account cannot be turned off.")
    EmailOptOut.objects.get_or_create(email=email, category=category)


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
