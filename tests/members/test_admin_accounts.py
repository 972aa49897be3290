"""Who may change the keys to an account (password, email, access) from the board site."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from members.models import BOARD_GROUP, User
from network.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, MemberFactory, enable_totp, sign_in_with_mfa

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-password-456"


@pytest.fixture
def operator(db: None) -> User:
    user = User.objects.create_superuser(email="operator@example.org", password=PASSWORD)
    enable_totp(user)
    return user


@pytest.fixture
def board_client(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


@pytest.fixture
def operator_client(operator: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, operator)
    return client


def change_form(user: User, **changes: object) -> dict[str, object]:
    """What the account's change page posts back, with `changes` on top."""
    form: dict[str, object] = {
        "email": user.email,
        "name": user.name,
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "groups": [group.pk for group in user.groups.all()],
    }
    for flag in ["is_active", "is_staff", "is_superuser"]:
        if getattr(user, flag):
            form[flag] = "on"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


class TestTheBoardCannotTakeOverAnAccount:
    @pytest.mark.parametrize("target", ["operator", "member"])
    def test_the_password_page_is_closed_to_board_members(
        self, board_client: Client, request: pytest.FixtureRequest, target: str
    ) -> None:
        user = request.getfixturevalue(target) if target == "operator" else MemberFactory()
        url = f"/board/members/user/{user.pk}/password/"
        assert board_client.get(url).status_code in {403, 404}
        posted = board_client.post(
            url,
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )
        assert posted.status_code in {403, 404}
        user.refresh_from_db()
        assert user.check_password(PASSWORD)
        assert not user.check_password(NEW_PASSWORD)

    def test_the_change_page_shows_the_keys_but_offers_no_way_to_change_them(
        self, board_client: Client
    ) -> None:
        member = MemberFactory()
        page = board_client.get(f"/board/members/user/{member.pk}/change/").content.decode()
        assert member.email in page
        for field in ["email", "is_active", "is_staff", "is_superuser", "groups", "password"]:
            assert f'name="{field}"' not in page, field
        assert "/password/" not in page

    def test_posting_new_keys_changes_none_of_them(self, board_client: Client) -> None:
        member = MemberFactory(name="Amara Okafor")
        password_hash = member.password
        escalation = Group.objects.create(name="Everything")
        escalation.permissions.set(Permission.objects.all())
        response = board_client.post(
            f"/board/members/user/{member.pk}/change/",
            change_form(
                member,
                name="Amara Okafor-Reid",
                email="takeover@example.org",
                is_active=None,
                is_staff="on",
                is_superuser="on",
                groups=[escalation.pk, Group.objects.get(name=BOARD_GROUP).pk],
                user_permissions=[Permission.objects.get(codename="change_group").pk],
                password="pbkdf2_sha256$1$salt$forged",
            ),
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.name == "Amara Okafor-Reid"  # the board may still correct a name
        assert member.email != "takeover@example.org"
        assert member.is_active is True
        assert member.is_staff is False
        assert member.is_superuser is False
        assert not member.groups.exists()
        assert not member.user_permissions.exists()
        assert member.password == password_hash
        assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CHANGED).exists()

    def test_the_operators_account_cannot_be_changed_by_the_board_at_all(
        self, board_client: Client, operator: User
    ) -> None:
        response = board_client.post(
            f"/board/members/user/{operator.pk}/change/",
            change_form(operator, name="Not the operator", email="takeover@example.org"),
        )
        assert response.status_code == 403
        operator.refresh_from_db()
        assert (operator.name, operator.email) == ("", "operator@example.org")

    def test_board_members_cannot_give_themselves_permissions_through_groups(
        self, board_client: Client, board_member: User
    ) -> None:
        group = Group.objects.get(name=BOARD_GROUP)
        before = set(group.permissions.values_list("pk", flat=True))
        assert board_client.get(f"/board/auth/group/{group.pk}/change/").status_code == 403
        assert board_client.get("/board/auth/group/add/").status_code == 403
        board_client.post(
            f"/board/auth/group/{group.pk}/change/",
            {
                "name": BOARD_GROUP,
                "permissions": list(Permission.objects.values_list("pk", flat=True)),
            },
        )
        assert set(group.permissions.values_list("pk", flat=True)) == before
        assert board_client.get("/board/auth/permission/").status_code == 404
        board_member.refresh_from_db()
        assert not board_member.is_superuser

    @pytest.mark.parametrize(
        "url",
        [
            "/board/account/emailaddress/",
            "/board/account/emailaddress/add/",
            "/board/mfa/authenticator/",
            "/board/auth/group/",
        ],
    )
    def test_no_other_admin_page_reaches_addresses_factors_or_groups(
        self, board_client: Client, url: str
    ) -> None:
        assert board_client.get(url).status_code in {403, 404}


class TestTheOperatorChangesAccountsOnTheRecord:
    def test_the_operator_changes_every_key_and_each_change_is_audited(
        self, operator_client: Client, operator: User
    ) -> None:
        member = MemberFactory(name="Amara Okafor", email="amara@example.org")
        board = Group.objects.get(name=BOARD_GROUP)
        response = operator_client.post(
            f"/board/members/user/{member.pk}/change/",
            change_form(
                member,
                email="amara.okafor@example.org",
                is_active=None,
                is_staff="on",
                is_superuser="on",
                groups=[board.pk],
            ),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        member.refresh_from_db()
        assert member.email == "amara.okafor@example.org"
        assert (member.is_active, member.is_staff, member.is_superuser) == (False, True, True)
        assert list(member.groups.values_list("name", flat=True)) == [BOARD_GROUP]

        event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_CHANGED)
        assert event.actor == operator
        assert (event.target_type, event.target_id) == ("members.User", str(member.pk))
        assert sorted(event.data["fields"]) == [
            "email", "groups", "is_active", "is_staff", "is_superuser"
        ]  # fmt: skip
        assert event.data["is_active"] == {"old": True, "new": False}
        assert event.data["is_superuser"] == {"old": False, "new": True}
        assert event.data["groups"] == {"old": [], "new": [BOARD_GROUP]}
        # The record says what changed, never the personal values themselves.
        assert "amara" not in str(event.data).lower()

    def test_the_operator_sets_a_password_and_the_change_is_audited_without_it(
        self, operator_client: Client, operator: User
    ) -> None:
        member = MemberFactory()
        url = f"/board/members/user/{member.pk}/password/"
        assert operator_client.get(url).status_code == 200
        response = operator_client.post(
            url,
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true"},
        )
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.check_password(NEW_PASSWORD)
        event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_CHANGED)
        assert event.actor == operator
        assert event.data["fields"] == ["password"]
        assert NEW_PASSWORD not in str(event.data)
        assert member.password not in str(event.data)

    def test_saving_a_name_alone_records_nothing(self, operator_client: Client) -> None:
        member = MemberFactory(name="Amara Okafor")
        operator_client.post(
            f"/board/members/user/{member.pk}/change/", change_form(member, name="Amara O.")
        )
        member.refresh_from_db()
        assert member.name == "Amara O."
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(
        "path", ["/board/members/user/add/", "/board/members/user/{pk}/delete/"]
    )
    def test_no_one_adds_or_deletes_accounts_in_the_board_site(
        self, operator_client: Client, path: str
    ) -> None:
        member = MemberFactory()
        response = operator_client.post(path.format(pk=member.pk), {"post": "yes"})
        assert response.status_code == 403
        assert User.objects.filter(pk=member.pk, is_active=True).exists()
