"""What the board's records hold about a member, for their "download my data".

A member gets the concerns they raised (in their own words) and the decisions about them, with
the reasons they were told; never who reported them or what the reporter wrote.
"""

from typing import Any

from board.models import Report, Resolution


def conduct_section(user: Any) -> dict[str, Any]:
    raised = Report.objects.filter(reporter=user).order_by("created_at", "pk")
    decisions = (
        Resolution.objects.filter(report__member=user)
        .exclude(outcome=Resolution.Outcome.NO_ACTION)
        .select_related("suspension", "appeal")
        .order_by("decided_at", "pk")
    )
    return {
        "concerns_raised": [
            {
                "about": report.get_subject_display(),
                "reason": report.get_reason_display(),
                "details": report.details,
                "evidence_link": report.evidence_link,
                "raised_at": report.created_at.isoformat(),
                "status": report.get_status_display(),
            }
            for report in raised
        ],
        "decisions_about_you": [_decision(resolution) for resolution in decisions],
    }


def _decision(resolution: Resolution) -> dict[str, Any]:
    suspension = resolution.suspension
    appeal = getattr(resolution, "appeal", None)
    return {
        "outcome": resolution.get_outcome_display(),
        "reason": resolution.reason,
        "decided_at": resolution.decided_at.isoformat(),
        "suspended_until": (
            suspension.ends_at.isoformat() if suspension and suspension.ends_at else None
        ),
        "appeal": (
            {
                "text": appeal.text,
                "status": appeal.get_status_display(),
                "response": appeal.response,
            }
            if appeal
            else None
        ),
    }
