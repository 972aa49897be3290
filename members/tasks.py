"""Periodic work on members, run by Celery beat (network/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from members import suspension


@shared_task
def end_suspensions() -> int:
    """Give access back to members whose suspension has reached its date; safe to run twice,
    since each lift claims its suspension under a lock and a lifted one is never lifted again."""
    return suspension.end_due_suspensions()
