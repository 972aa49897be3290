import pytest
from django.contrib.auth.models import Group
from django.test import Client

from members.models import BOARD_GROUP, User
from network.models import NetworkSettings
from tests.factories import BoardMemberFactory, MemberFactory, enable_totp, sign_in_with_mfa

pytestmark = pytest.mark.django_db


def test_visitor_is_sent_to_the_sites_own_sign_in_page(client: Client) -> None:
    response = client.get("/board/")
    assert response.status_code == 302
    login = client.get(response["Location"], follow=True)
    assert login.request["PATH_INFO"] == "/accounts/login/"
    assert login.redirect_chain[-1][0] == "/accounts/login/?next=%2Fboard%2F"


def test_member_who_is_not_on_the_board_is_refused(client: Client, member: User) -> None:
    client.force_login(member)
    response = client.get("/board/", follow=True)
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_staff_account_outside_the_board_group_is_refused(client: Client) -> None:
    staff = MemberFactory()
    staff.is_staff = True
    staff.save()
    enable_totp(staff)
    client.force_login(staff)
    assert client.get("/board/", follow=True).status_code == 403


def test_board_member_without_mfa_is_sent_to_set_it_up(client: Client) -> None:
    board = BoardMemberFactory()
    client.force_login(board)
    response = client.get("/board/", follow=True)
    assert response.redirect_chain[1][0] == "/accounts/2fa/totp/activate/"
    # Turning MFA on asks for the password again first, and the message waits for that page.
    assert response.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    assert "Set up two-factor authentication first" in response.content.decode()


def test_board_member_with_mfa_reaches_the_board_site(client: Client, board_member: User) -> None:
    sign_in_with_mfa(client, board_member)
    response = client.get("/board/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Programme board" in page
    assert "Network settings" in page


# The mentoring rules and topic list on the same page, left as they are.
MENTORING_RULES = {
    "max_open_requests": "3",
    "request_reminder_days": "5",
    "request_lapse_days": "14",
    "lapses_before_pause": "2",
    "pairing_term_months": "6",
    "check_in_reminder_weeks": "6",
    "fit_question_weeks": "3",
    "match_weights": "{}",
    "mentoring_topics-TOTAL_FORMS": "0",
    "mentoring_topics-INITIAL_FORMS": "0",
}


def test_board_edits_the_network_settings_and_the_site_shows_them(
    client: Client, board_member: User
) -> None:
    NetworkSettings.load()
    sign_in_with_mfa(client, board_member)
    form = {
        "name": "Health and Care LGBTQ+ Leaders Network",
        "sponsor": "NHS Confederation",
        "summary": "Leaders and allies who mentor each other.",
        "eligibility": "Leaders with a record of mentoring.",
        "contact_email": "board@example.org",
        "invitation_expiry_days": "21",
        "approvals_required": "2",
        # Only publishing a version of the guidelines changes this one.
        "guidelines_version": "2026-12",
        "privacy_version": "2026-11",
        "small_numbers_threshold": "10",
        "audit_retention_days": "2557",
        "categories-TOTAL_FORMS": "1",
        "categories-INITIAL_FORMS": "0",
        "categories-0-name": "Ally",
        "categories-0-description": "Leaders who support LGBTQ+ colleagues.",
        "categories-0-position": "1",
        "sensitive_characteristics-TOTAL_FORMS": "1",
        "sensitive_characteristics-INITIAL_FORMS": "0",
        "sensitive_characteristics-0-name": "Sexual orientation",
        "sensitive_characteristics-0-position": "0",
        **MENTORING_RULES,
    }
    response = client.post("/board/network/networksettings/1/change/", form)
    assert response.status_code == 302

    landing = client.get("/").content.decode()
    assert "Health and Care LGBTQ+ Leaders Network" in landing
    assert "Leaders who support LGBTQ+ colleagues." in landing
    network = NetworkSettings.load()
    assert network.invitation_expiry_days == 21
    assert network.small_numbers_threshold == 10
    assert network.guidelines_version == "2026-11"
    assert [c.name for c in network.sensitive_characteristics.all()] == ["Sexual orientation"]


def test_board_cannot_set_an_expiry_outside_the_allowed_range(
    client: Client, board_member: User
) -> None:
    network = NetworkSettings.load()
    sign_in_with_mfa(client, board_member)
    response = client.post(
        "/board/network/networksettings/1/change/",
        {
            "name": network.name,
            "summary": network.summary,
            "eligibility": network.eligibility,
            "contact_email": network.contact_email,
            "invitation_expiry_days": "0",
            "approvals_required": "1",
            "guidelines_version": "2026-11",
            "privacy_version": "2026-11",
            "categories-TOTAL_FORMS": "0",
            "categories-INITIAL_FORMS": "0",
            "sensitive_characteristics-TOTAL_FORMS": "0",
            "sensitive_characteristics-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert NetworkSettings.objects.get().invitation_expiry_days == 14


def test_board_group_holds_the_permissions_the_board_needs() -> None:
    codenames = set(
        Group.objects.get(name=BOARD_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"change_networksettings", "view_user", "change_user"} <= codenames
    assert "delete_user" not in codenames
    assert "add_user" not in codenames


def test_board_member_cannot_grant_superuser_status(client: Client, board_member: User) -> None:
    sign_in_with_mfa(client, board_member)
    member = MemberFactory()
    page = client.get(f"/board/members/user/{member.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    client.post(
        f"/board/members/user/{member.pk}/change/",
        {
            "email": member.email,
            "name": member.name,
            "is_active": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    member.refresh_from_db()
    assert member.is_superuser is False
