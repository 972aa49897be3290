"""One privacy model: what members marked "only me" reaches no one else, and what they showed
the board reaches only a board member whose session passed two-factor authentication."""

import pytest
from django.test import Client

from invitations.models import Endorsement
from members import services
from members.forms import ProfileForm, visibility_field_name
from members.models import MentoringStatus, Profile, User
from members.privacy import DEFAULTS, PARTS, Visibility
from network.models import NetworkSettings, SensitiveCharacteristic
from tests.factories import (
    ApplicationFactory,
    BoardMemberFactory,
    MemberFactory,
    enable_totp,
    sign_in_with_mfa,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rhys(db: None) -> User:
    user = MemberFactory(name="Rhys Evans")
    profile = Profile.objects.get(user=user)
    profile.career_aspiration = "Chief executive of a mental health trust"
    profile.mentoring_status = MentoringStatus.ACCEPTING
    profile.mentoring_capacity = 2
    profile.mentoring_topics = "quietly held board readiness"
    profile.visibility = {
        **profile.visibility,
        "career_aspiration": Visibility.BOARD,
        "mentoring_offer": Visibility.ONLY_ME,
    }
    profile.save()
    characteristic = SensitiveCharacteristic.objects.create(
        settings=NetworkSettings.load(), name="Sexual orientation"
    )
    services.give_sensitive_consent(user=user)
    services.save_self_descriptions(
        profile=profile, entries={characteristic.pk: ("Gay and out at work", Visibility.BOARD)}
    )
    return user


def board_member(*, with_mfa: bool) -> User:
    board = BoardMemberFactory()
    if with_mfa:
        enable_totp(board)
    return board


def test_board_member_without_a_verified_session_sees_only_what_members_see(
    client: Client, rhys: User
) -> None:
    board = board_member(with_mfa=True)
    # Signed in with the password alone: the second factor was not entered in this session.
    client.force_login(board)
    page = client.get(f"/members/{rhys.pk}/").content.decode()
    assert "Rhys Evans" in page
    assert "Chief executive of a mental health trust" not in page
    assert "Gay and out at work" not in page


def test_board_member_who_never_set_up_mfa_sees_only_what_members_see(
    client: Client, rhys: User
) -> None:
    client.force_login(board_member(with_mfa=False))
    page = client.get(f"/members/{rhys.pk}/").content.decode()
    assert "Chief executive of a mental health trust" not in page
    assert "Gay and out at work" not in page


def test_board_member_in_a_verified_session_sees_what_was_shown_to_the_board(
    client: Client, rhys: User
) -> None:
    sign_in_with_mfa(client, board_member(with_mfa=True))
    page = client.get(f"/members/{rhys.pk}/").content.decode()
    assert "Chief executive of a mental health trust" in page
    assert "Gay and out at work" in page
    # "Only me" stays with Rhys, board or not.
    assert "quietly held board readiness" not in page


def test_the_board_site_needs_a_verified_session_not_only_mfa_turned_on(client: Client) -> None:
    client.force_login(board_member(with_mfa=True))
    response = client.get("/board/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/reauthenticate/")
    assert "Enter a code from your authenticator app" in response.content.decode()


def test_vetting_never_shows_an_endorsers_only_me_mentoring_offer(
    client: Client, rhys: User
) -> None:
    application = ApplicationFactory()
    Endorsement.objects.create(application=application, member=rhys, text="A generous mentor.")
    sign_in_with_mfa(client, board_member(with_mfa=True))
    page = client.get(f"/board/invitations/application/{application.pk}/change/").content.decode()
    assert "A generous mentor." in page
    assert "quietly held board readiness" not in page
    assert "no mentoring offer shown to the board" in page


def test_vetting_shows_an_endorsers_offer_shown_to_the_board(client: Client, rhys: User) -> None:
    profile = Profile.objects.get(user=rhys)
    profile.visibility = {**profile.visibility, "mentoring_offer": Visibility.BOARD}
    profile.save()
    application = ApplicationFactory(nominated_by=rhys)
    sign_in_with_mfa(client, board_member(with_mfa=True))
    page = client.get(f"/board/invitations/application/{application.pk}/change/").content.decode()
    assert "quietly held board readiness" in page


def test_every_part_of_the_registry_has_its_audience_question_and_default() -> None:
    form = ProfileForm(instance=Profile())
    for part in PARTS:
        field = form.fields[visibility_field_name(part.key)]
        assert field.label == f"Who can see {part.question}"
        assert DEFAULTS[part.key] in {choice for choice, _ in field.choices}
        assert part.follows is None or part.follows in form.fields


def test_removing_every_factor_closes_the_boards_view_at_once(client: Client, rhys: User) -> None:
    from allauth.mfa.models import Authenticator

    board = board_member(with_mfa=True)
    sign_in_with_mfa(client, board)
    Authenticator.objects.filter(user=board).delete()
    assert client.get("/board/").status_code == 302
    page = client.get(f"/members/{rhys.pk}/").content.decode()
    assert "Chief executive of a mental health trust" not in page
