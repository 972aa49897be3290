from datetime import timedelta

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from network import mail
from network.mail import send_email, send_emails
from network.models import AuditEvent, NetworkSettings

__all__ = [
    "clear_expired_sessions",
    "prune_audit_log",
    "send_email",
    "send_emails",
    "sweep_outbox",
]

AUDIT_PRUNE_BATCH = 5000
# PostgreSQL lets an entry go only once it is past the retention period by the database's own
# clock; staying this far inside it, the web server's clock running ahead never trips that check.
AUDIT_PRUNE_MARGIN = timedelta(hours=1)


@shared_task
def clear_expired_sessions() -> int:
    """Remove sessions past their expiry, so signed-out visits leave nothing behind."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def sweep_outbox() -> int:
    return mail.sweep()


@shared_task
def prune_audit_log() -> int:
    """Delete audit entries older than the network keeps them, a batch per statement so a large
    backlog never holds one long lock on the table."""
    # Read fresh, not from the cache: the database's rule reads the row itself.
    keep_days = NetworkSettings.objects.get_or_create(pk=1)[0].audit_retention_days
    cutoff = timezone.now() - timedelta(days=keep_days) - AUDIT_PRUNE_MARGIN
    # The audit log's manager refuses every delete, so the nightly prune is the one raw statement
    # that may remove entries, and only those the database's rule also lets go.
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    statement = (
        f"DELETE FROM {table} WHERE id IN "  # noqa: S608 (the table name is the model's own)
        f"(SELECT id FROM {table} WHERE created_at < %s ORDER BY id LIMIT %s)"
    )
    deleted = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(statement, [cutoff, AUDIT_PRUNE_BATCH])
            batch = cursor.rowcount
        deleted += batch
        if batch < AUDIT_PRUNE_BATCH:
            return deleted
