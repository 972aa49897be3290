"""What the invitation mail shows, read from the invitation when the message is sent."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from invitations.models import Application, Invitation
from network.links import absolute_url
from network.mail import builds_context


@builds_context("invitations/invitation")
@builds_context("invitations/reminder")
def invitation_context(context: dict[str, Any]) -> dict[str, Any]:
    invitation = Invitation.objects.select_related("application").get(pk=context["invitation_id"])
    return {
        "name": invitation.application.name,
        "invitation_url": absolute_url(reverse("invitations:accept", args=[invitation.token()])),
        "expires_on": timezone.localtime(invitation.expires_at).strftime("%-d %B %Y"),
    }


@builds_context("invitations/acknowledgement")
@builds_context("invitations/rejected")
@builds_context("invitations/nominated")
@builds_context("invitations/more_info")
def application_context(context: dict[str, Any]) -> dict[str, Any]:
    application = Application.objects.get(pk=context["application_id"])
    return {"name": application.name, "request": application.more_info_request}
