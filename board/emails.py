"""What the conduct mail shows, read from the records when each message is sent.

The reporter reads general words; the member concerned reads the decision and its reason and
never who reported them; the member's inviter reads neutral words, never the reason or the
reporter. Builders hand the templates plain values only.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from board.models import Appeal, Report, Resolution
from board.reports import appeal_token, appeal_window_ends
from network.links import absolute_url
from network.mail import builds_context

Outcome = Resolution.Outcome

# What the member's inviter reads: that something happened, in words that judge no one.
INVITER_WORDS = {
    Outcome.WARNING: "has been spoken to by the programme board about their conduct in the "
    "network. They remain a member.",
    Outcome.SUSPENSION: "cannot use the network for a time, by a decision of the programme board.",
    Outcome.REMOVAL: "is no longer a member of the network, by a decision of the programme board.",
}


def day(value: Any) -> str:
    return timezone.localtime(value).strftime("%-d %B %Y") if value else ""


def _your_reports() -> str:
    return absolute_url(reverse("board:reports"))


@builds_context("board/report_received")
def report_received_context(context: dict[str, Any]) -> dict[str, Any]:
    report = Report.objects.select_related("reporter").get(pk=context["report_id"])
    return {
        "name": report.reporter.name or "member",
        "about": report.get_subject_display().lower(),
        "reports_url": _your_reports(),
    }


def _resolution(context: dict[str, Any]) -> Resolution:
    return Resolution.objects.select_related(
        "report__reporter", "report__member", "suspension"
    ).get(pk=context["resolution_id"])


@builds_context("board/report_outcome")
def report_outcome_context(context: dict[str, Any]) -> dict[str, Any]:
    resolution = _resolution(context)
    return {"name": resolution.report.reporter.name or "member", "reports_url": _your_reports()}


@builds_context("board/warning")
@builds_context("board/suspension")
@builds_context("board/removal")
def decision_context(context: dict[str, Any]) -> dict[str, Any]:
    resolution = _resolution(context)
    member = resolution.report.member
    suspension = resolution.suspension
    return {
        "name": (member.name if member else "") or "member",
        "reason": resolution.reason,
        "until": day(suspension.ends_at) if suspension else "",
        "appeal_url": absolute_url(reverse("board:appeal", args=[appeal_token(resolution)])),
        "appeal_by": day(appeal_window_ends(resolution)),
    }


@builds_context("board/inviter_told")
def inviter_context(context: dict[str, Any]) -> dict[str, Any]:
    resolution = _resolution(context)
    return {
        "member_name": context["member_name"],
        "what_happened": INVITER_WORDS[Outcome(resolution.outcome)],
    }


@builds_context("board/appeal_decided")
def appeal_decided_context(context: dict[str, Any]) -> dict[str, Any]:
    appeal = Appeal.objects.select_related("resolution__report__member").get(
        pk=context["appeal_id"]
    )
    member = appeal.resolution.report.member
    return {
        "name": (member.name if member else "") or "member",
        "overturned": appeal.status == Appeal.Status.OVERTURNED,
        "response": appeal.response,
        "outcome": appeal.resolution.get_outcome_display().lower(),
    }
