"""Periodic event work, run by Celery beat (network/settings.py CELERY_BEAT_SCHEDULE). Each task
is safe to run twice: the services claim their work with conditional updates."""

from celery import shared_task

from events import services


@shared_task
def send_event_reminders() -> int:
    return services.send_reminders()


@shared_task
def lapse_waiting_list_offers() -> int:
    return services.lapse_offers()


@shared_task
def request_event_feedback() -> int:
    return services.request_feedback()


@shared_task
def erase_past_access_needs() -> int:
    return services.erase_past_access_needs()
