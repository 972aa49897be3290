"""A member's sensitive changes are on the record: who sees which part of their profile, consent
given and withdrawn, email choices and downloads of their data. The record names parts, audiences,
categories and wording versions, never what the member wrote or their address."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from members import services
from members.models import Profile, SelfDescription, User, Visibility
from members.privacy import DEFAULTS
from network.models import (
    OPTIONAL_EMAIL_CATEGORIES,
    AuditAction,
    AuditEvent,
    EmailCategory,
    EmailOptOut,
    NetworkSettings,
)

pytestmark = pytest.mark.django_db

BIO = "Quietly passionate about zephyrology"


@pytest.fixture
def signed_in(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def entries(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def assert_holds_nothing_personal(member: User, *words: str) -> None:
    for event in AuditEvent.objects.all():
        written = f"{event.reason} {event.data}".lower()
        for word in [member.email, member.name, *words]:
            assert word.lower() not in written, (event.action, word)


def profile_form(**fields: str) -> dict[str, Any]:
    return {
        "display_name": "Amara Okafor",
        **{f"{key}_visibility": value for key, value in DEFAULTS.items()},
        **fields,
    }


def test_changing_who_sees_a_part_records_the_part_and_both_audiences(
    signed_in: Client, member: User
) -> None:
    response = signed_in.post(
        reverse("members:edit_profile"),
        profile_form(pronouns="she/her", pronouns_visibility=Visibility.MEMBERS, bio=BIO),
    )
    assert response.status_code == 302
    [event] = entries(AuditAction.PRIVACY_CHANGED)
    assert (event.actor, event.target_type, event.target_id) == (
        member,
        "members.User",
        str(member.pk),
    )
    assert event.data == {"visibility": {"pronouns": [DEFAULTS["pronouns"], "members"]}}
    assert Profile.objects.get(user=member).visibility_of("pronouns") == Visibility.MEMBERS
    assert_holds_nothing_personal(member, "she/her", BIO)


def test_editing_a_profile_without_changing_who_sees_it_records_nothing(
    signed_in: Client, member: User
) -> None:
    response = signed_in.post(reverse("members:edit_profile"), profile_form(bio=BIO))
    assert response.status_code == 302
    assert Profile.objects.get(user=member).bio == BIO
    assert not AuditEvent.objects.exists()


def test_a_refused_profile_edit_records_nothing(signed_in: Client) -> None:
    response = signed_in.post(
        reverse("members:edit_profile"),
        profile_form(links="not a link", pronouns_visibility=Visibility.MEMBERS),
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_consent_to_self_description_is_recorded_once_with_its_wording_version(
    signed_in: Client, member: User
) -> None:
    for _ in range(2):
        response = signed_in.post(reverse("members:give_consent"), {"agree": "on"})
        assert response.status_code == 302
    [event] = entries(AuditAction.CONSENT_GIVEN)
    assert event.actor == member
    assert event.data == {
        "consent": "self-description",
        "wording_version": services.SENSITIVE_CONSENT_VERSION,
    }


def test_consent_refused_by_the_form_records_nothing(signed_in: Client) -> None:
    assert signed_in.post(reverse("members:give_consent"), {}).status_code == 400
    assert not AuditEvent.objects.exists()


def test_withdrawing_consent_is_recorded_without_what_was_described(
    signed_in: Client, member: User
) -> None:
    characteristic = NetworkSettings.load().sensitive_characteristics.create(name="Orientation")
    services.give_sensitive_consent(user=member)
    services.save_self_descriptions(
        profile=Profile.objects.get(user=member),
        entries={characteristic.pk: ("Bisexual and out at work", Visibility.MEMBERS)},
    )
    response = signed_in.post(reverse("members:withdraw_consent"))
    assert response.status_code == 302
    assert not SelfDescription.objects.exists()
    [event] = entries(AuditAction.CONSENT_WITHDRAWN)
    assert event.actor == member
    assert event.data == {
        "consent": "self-description",
        "wording_versions": [services.SENSITIVE_CONSENT_VERSION],
    }
    assert_holds_nothing_personal(member, "bisexual", "orientation")
    # Nothing left to withdraw: nothing more on the record.
    signed_in.post(reverse("members:withdraw_consent"))
    assert len(entries(AuditAction.CONSENT_WITHDRAWN)) == 1


def test_email_choices_are_recorded_as_consent_by_category(signed_in: Client, member: User) -> None:
    path = reverse("members:email_preferences")
    all_but_events = [c.value for c in OPTIONAL_EMAIL_CATEGORIES if c != EmailCategory.EVENTS]
    assert signed_in.post(path, {"receive": all_but_events}).status_code == 302
    [stopped] = entries(AuditAction.CONSENT_WITHDRAWN)
    assert stopped.data == {"consent": "email", "category": "events"}
    assert list(EmailOptOut.objects.values_list("category", flat=True)) == ["events"]

    # The same choices again change nothing and record nothing.
    signed_in.post(path, {"receive": all_but_events})
    assert len(entries(AuditAction.CONSENT_WITHDRAWN)) == 1

    signed_in.post(path, {"receive": [c.value for c in OPTIONAL_EMAIL_CATEGORIES]})
    [given] = entries(AuditAction.CONSENT_GIVEN)
    assert given.data == {"consent": "email", "category": "events"}
    assert given.actor == member
    assert not EmailOptOut.objects.exists()
    assert_holds_nothing_personal(member)


def test_an_unknown_email_category_is_refused_and_records_nothing(signed_in: Client) -> None:
    response = signed_in.post(reverse("members:email_preferences"), {"receive": ["essential"]})
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()
    assert not EmailOptOut.objects.exists()


def test_downloading_my_data_is_recorded_with_the_parts_it_held(
    signed_in: Client, member: User
) -> None:
    response = signed_in.get(reverse("members:download_my_data"))
    assert response.status_code == 200
    [event] = entries(AuditAction.DATA_EXPORTED)
    assert (event.actor, event.target_id) == (member, str(member.pk))
    assert event.data["sections"] == sorted(event.data["sections"])
    assert "exported_at" not in event.data["sections"]
    assert event.data["sections"]
    assert_holds_nothing_personal(member)
    # The download itself does not carry its own record.
    assert "member.data_exported" not in response.content.decode()
