from typing import Any

import factory
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.test import Client, RequestFactory

from invitations.models import Application
from members.models import GuidelinesAcceptance, Profession, Region, User
from members.services import appoint_to_board, create_member
from network.models import NetworkSettings

PASSWORD = "a-long-test-password-123"


class MemberFactory(factory.django.DjangoModelFactory):
    """A signed-up member with a confirmed address, made the way invitations will make them."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    name = factory.Faker("name", locale="en_GB")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        user = create_member(
            email=kwargs["email"], name=kwargs["name"], password=kwargs.get("password", PASSWORD)
        )
        # As an invitation records it: the member accepted the guidelines in force when they joined.
        network = NetworkSettings.load()
        GuidelinesAcceptance.objects.create(
            user=user,
            guidelines_version=network.guidelines_version,
            privacy_version=network.privacy_version,
        )
        return user


class BoardMemberFactory(MemberFactory):
    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def board(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        appoint_to_board(user=obj)


def enable_totp(user: User) -> str:
    """Turn on app-based two-factor authentication for a user; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    name = "Grace Adeyemi"
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    job_title = "Deputy Chief Nurse"
    organisation = "Leeds Teaching Hospitals NHS Trust"
    profession = Profession.NURSING
    region = Region.NORTH_EAST_YORKSHIRE
    career_aspiration = "Chief nurse of an acute trust."
    mentoring_evidence = "Mentored six ward managers over four years."
    current_mentees = 2


def sign_in_with_mfa(client: Client, user: User) -> None:
    """Sign a test client in as someone whose session passed two-factor authentication,
    recorded in the session the way allauth records it after a code is entered."""
    if not is_mfa_enabled(user):
        enable_totp(user)
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()
