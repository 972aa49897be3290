import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from members.models import User
from network.management.commands.seed_demo import BOARD_ACCOUNT, DEMO_PASSWORD, MEMBER_ACCOUNTS
from network.models import MembershipCategory, NetworkSettings

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, object]:
    return {
        "settings": list(NetworkSettings.objects.values()),
        "categories": list(MembershipCategory.objects.values()),
        "users": list(User.objects.order_by("pk").values()),
        "addresses": list(EmailAddress.objects.order_by("pk").values()),
    }


def test_seeding_twice_changes_nothing(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    assert User.objects.count() == 1 + len(MEMBER_ACCOUNTS)


@pytest.mark.parametrize(
    ("preset", "name", "categories"),
    [
        ("women-leaders", "Women Leaders Network", ["Member"]),
        ("lgbtq-leaders", "Health and Care LGBTQ+ Leaders Network", ["Member", "Ally"]),
    ],
)
def test_each_preset_sets_up_its_network(
    settings, preset: str, name: str, categories: list[str]
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset=preset)
    network = NetworkSettings.load()
    assert network.name == name
    assert [category.name for category in network.categories.all()] == categories


def test_demo_accounts_can_sign_in_and_the_board_account_is_on_the_board(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    client = Client()
    email, _ = MEMBER_ACCOUNTS[0]
    client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert client.get("/home/").status_code == 200
    assert User.objects.get(email=BOARD_ACCOUNT[0]).is_board_member


def test_seeding_is_refused_outside_local_development(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.exists()
