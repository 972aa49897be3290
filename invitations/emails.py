"""What the invitation mail shows, read from the records when the message is sent."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from invitations.models import Application, Invitation
from members.models import User
from network.links import absolute_url
from network.mail import builds_context


@builds_context("invitations/invitation")
@builds_context("invitations/reminder")
@builds_context("invitations/invitation_waiting")
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
@builds_context("invitations/received_again")
def application_context(context: dict[str, Any]) -> dict[str, Any]:
    application = Application.objects.get(pk=context["application_id"])
    return {"name": application.name, "request": application.more_info_request}


@builds_context("invitations/already_member")
def member_context(context: dict[str, Any]) -> dict[str, Any]:
    # The member's own name from their account, never what a visitor typed into the form.
    member = User.objects.get(pk=context["user_id"])
    return {
        "name": member.name or "member",
        "sign_in_url": absolute_url(reverse("account_login")),
        "reset_url": absolute_url(reverse("account_reset_password")),
    }
