from typing import Any

from django.db.models import CharField, Value
from django.db.models.functions import Concat

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


def erase_applications(user: User) -> None:
    """Keep the record that an application and invitation happened, without who it was."""
    applications = Application.objects.filter(email__iexact=user.email)
    for application in applications:
        Invitation.objects.filter(application=application).update(
            email=f"deleted-{application.pk}@deleted.invalid"
        )
    applications.update(
        name="Deleted applicant",
        email=Concat(Value("deleted-"), "pk", Value("@deleted.invalid"), output_field=CharField()),
        job_title="",
        organisation="",
        career_aspiration="",
        mentoring_evidence="",
        referee="",
        more_info_request="",
        more_info_response="",
    )
