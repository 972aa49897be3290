"""Periodic mentoring work, run by Celery beat (network/settings.py CELERY_BEAT_SCHEDULE). Each
task is safe to run twice: the services claim their work with conditional updates."""

from celery import shared_task

from mentoring import services


@shared_task
def remind_and_lapse_requests() -> tuple[int, int]:
    return services.remind_and_lapse_requests()


@shared_task
def ask_fit_questions() -> int:
    return services.ask_fit_questions()


@shared_task
def remind_check_ins() -> int:
    return services.remind_check_ins()


@shared_task
def finish_pairings() -> int:
    return services.finish_pairings()
