from typing import Any

from invitations.models import Application, Endorsement, Invitation
from members.models import User


def application_section(user: User) -> dict[str, Any]:
    """Applications and invitations for this person's address, and endorsements they gave."""
    applications = Application.objects.filter(email__iexact=user.email)
    return {
        "applications": [
            {
                "name": a.name,
                "job_title": a.job_title,
                "organisation": a.organisation,
                "career_aspiration": a.career_aspiration,
                "mentoring_evidence": a.mentoring_evidence,
                "status": a.status,
                "created_at": a.created_at.isoformat(),
            }
            for a in applications
        ],
        "invitations": [
            {
                "status": i.status,
                "sent_at": i.sent_at.isoformat(),
                "expires_at": i.expires_at.isoformat(),
            }
            for i in Invitation.objects.filter(email__iexact=user.email)
        ],
        "endorsements_given": [
            {"text": e.text, "created_at": e.created_at.isoformat()}
            for e in Endorsement.objects.filter(member=user)
        ],
    }
