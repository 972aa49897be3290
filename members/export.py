"""'Download my data' and 'delete my account': each app contributes the part it holds."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from members.models import Profile, User
from network.personal_data import contributes


@contributes("account")
def account_section(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
        "two_factor_methods": [
            auth.get_type_display() for auth in Authenticator.objects.filter(user=user)
        ],
    }


@contributes("profile")
def profile_section(user: User) -> dict[str, Any] | None:
    profile = Profile.objects.filter(user=user).select_related("category").first()
    if profile is None:
        return None
    fields = [
        "display_name", "pronouns", "job_title", "organisation", "organisation_type",
        "profession", "region", "career_stage", "career_aspiration", "bio", "links",
        "mentoring_status", "mentoring_capacity", "mentoring_topics", "mentoring_formats",
        "mentoring_goals", "mentoring_needs_topics", "living_library_topics", "visibility",
    ]  # fmt: skip
    data = {field: getattr(profile, field) for field in fields}
    data["category"] = profile.category.name if profile.category else None
    data["photo"] = profile.photo.name or None
    data["milestones"] = [
        {"achieved_on": m.achieved_on.isoformat(), "description": m.description}
        for m in profile.milestones.all()
    ]
    data["self_descriptions"] = [
        {
            "characteristic": d.characteristic.name,
            "description": d.description,
            "visibility": d.visibility,
        }
        for d in profile.self_descriptions.select_related("characteristic")
    ]
    return data


@contributes("sensitive_data_consents")
def consent_section(user: User) -> list[dict[str, Any]]:
    return [
        {
            "wording_version": consent.wording_version,
            "given_at": consent.given_at.isoformat(),
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        }
        for consent in user.sensitive_consents.all()
    ]


@contributes("guidelines_accepted")
def acceptance_section(user: User) -> list[dict[str, Any]]:
    return [
        {
            "guidelines_version": acceptance.guidelines_version,
            "privacy_version": acceptance.privacy_version,
            "accepted_at": acceptance.accepted_at.isoformat(),
        }
        for acceptance in user.acceptances.all()
    ]
