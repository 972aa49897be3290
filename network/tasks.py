from celery import Task, shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from network import mail


@shared_task
def clear_expired_sessions() -> int:
    """Remove sessions past their expiry, so signed-out visits leave nothing behind."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# Late acknowledgement and reject-on-worker-lost come from the settings (CELERY_TASK_*), so a
# worker that dies mid-task gives the task back to the broker; the outbox claim keeps the
# redelivered task from sending twice.
@shared_task(bind=True, max_retries=mail.MAX_ATTEMPTS)
def send_email(self: Task, email_id: int) -> bool:
    try:
        return mail.deliver(email_id=email_id)
    except mail.RetryLater as later:
        raise self.retry(countdown=later.seconds) from later


@shared_task
def sweep_outbox() -> int:
    return mail.sweep()
