"""Periodic discussion work, run by Celery beat (network/settings.py CELERY_BEAT_SCHEDULE). Safe to
run twice: a member's digest row for the day is written with their email, once."""

from celery import shared_task

from discussions import digest


@shared_task
def send_daily_digests() -> int:
    return digest.send_digests()
