from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from network import mail
from network.mail import send_email, send_emails

__all__ = ["clear_expired_sessions", "send_email", "send_emails", "sweep_outbox"]


@shared_task
def clear_expired_sessions() -> int:
    """Remove sessions past their expiry, so signed-out visits leave nothing behind."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def sweep_outbox() -> int:
    return mail.sweep()
