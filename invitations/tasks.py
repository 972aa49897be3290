from celery import shared_task

from invitations import services


@shared_task
def send_invitation_reminders() -> int:
    return services.send_reminders()


@shared_task
def expire_invitations() -> int:
    return services.expire_invitations()
