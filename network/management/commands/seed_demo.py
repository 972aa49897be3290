"""Set up a demo of either seed network: its settings, a board account and a few members."""

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from members import demo
from members.models import User
from members.services import appoint_to_board, create_member
from network.models import MembershipCategory, NetworkSettings, SensitiveCharacteristic

DEMO_PASSWORD = "demo-network-2026"  # noqa: S105 - demo accounts exist only with DEBUG on


@dataclass(frozen=True)
class Preset:
    name: str
    sponsor: str
    summary: str
    eligibility: str
    contact_email: str
    categories: list[tuple[str, str]]
    characteristics: list[str]


PRESETS = {
    "women-leaders": Preset(
        name="Women Leaders Network",
        sponsor="NHS Employers, with HSJ",
        summary=(
            "A network for women working towards board positions in the NHS, who support each "
            "other through mentoring, peer connections and events."
        ),
        eligibility=(
            "Women working in health and care who have built a reputation for mentoring "
            "emerging leaders, or who are mentoring one or more people now."
        ),
        contact_email="women-leaders@example.org",
        categories=[("Member", "Women working in health and care towards board-level roles.")],
        characteristics=["Ethnicity", "Disability", "Caring responsibilities"],
    ),
    "lgbtq-leaders": Preset(
        name="Health and Care LGBTQ+ Leaders Network",
        sponsor="NHS Confederation",
        summary=(
            "A network of LGBTQ+ leaders and allies in health and care who mentor each other, "
            "share lived experience and champion inclusive leadership."
        ),
        eligibility=(
            "LGBTQ+ leaders and allies in health and care who have built a reputation for "
            "mentoring emerging leaders, or who are mentoring one or more people now."
        ),
        contact_email="lgbtq-leaders@example.org",
        categories=[
            ("Member", "LGBTQ+ leaders in health and care."),
            ("Ally", "Leaders who support LGBTQ+ colleagues and inclusive leadership."),
        ],
        characteristics=["Sexual orientation", "Gender identity", "Trans history"],
    ),
}

BOARD_ACCOUNT = ("board@example.org", "Priya Shah")
MEMBER_ACCOUNTS = [
    ("amara.okafor@example.org", "Amara Okafor"),
    ("siobhan.kelly@example.org", "Siobhan Kelly"),
    ("rhys.evans@example.org", "Rhys Evans"),
    ("mei.chen@example.org", "Mei Chen"),
    *[
        (f"{first.lower()}.{last.lower()}@example.org", f"{first} {last}")
        for first, last in [
            ("Grace", "Adeyemi"), ("Fatima", "Begum"), ("Eilidh", "Campbell"),
            ("Bethan", "Davies"), ("Niamh", "Gallagher"), ("Parminder", "Singh"),
            ("Ifeoma", "Nwosu"), ("Rachel", "Hughes"), ("Tamsin", "Wright"),
            ("Uzma", "Iqbal"), ("Lowri", "Jones"), ("Kerry", "Walsh"), ("Jo", "Fraser"),
            ("Deepa", "Patel"), ("Chloe", "Roberts"), ("Maryam", "Khan"), ("Sam", "Quinn"),
            ("Kwame", "Mensah"), ("Luis", "Fernandes"), ("Owen", "Thomas"), ("Alex", "Young"),
            ("Hannah", "Lewis"), ("Olu", "Bakare"), ("Aisha", "Bello"), ("Marcus", "Reid"),
            ("Nathan", "Shaw"),
        ]
    ],
]  # fmt: skip


class Command(BaseCommand):
    help = "Set up demo network settings and accounts. Running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--preset", choices=sorted(PRESETS), default="women-leaders")
        parser.add_argument(
            "--members",
            type=int,
            default=0,
            help="Also create this many numbered members in bulk (for benchmarks).",
        )

    def handle(self, *args: Any, preset: str, members: int, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts have a published password: set DEBUG=true to seed.")
        with transaction.atomic():
            apply_preset(PRESETS[preset])
            board = ensure_account(*BOARD_ACCOUNT)
            appoint_to_board(user=board)
            for number, (email, name) in enumerate(MEMBER_ACCOUNTS):
                ensure_account(email, name, profile_seed=number)
        if members:
            created = demo.create_many(members, password=DEMO_PASSWORD)
            self.stdout.write(f"Created {created} numbered members (member000000@example.org on).")
        self.stdout.write(f"Demo of {PRESETS[preset].name} is ready. Sign in at /accounts/login/")
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        self.stdout.write(f"  board member: {BOARD_ACCOUNT[0]} (sets up MFA on first visit)")
        for email, _ in MEMBER_ACCOUNTS:
            self.stdout.write(f"  member:       {email}")


def apply_preset(preset: Preset) -> None:
    network = NetworkSettings.load()
    wanted = {
        "name": preset.name,
        "sponsor": preset.sponsor,
        "summary": preset.summary,
        "eligibility": preset.eligibility,
        "contact_email": preset.contact_email,
    }
    if any(getattr(network, field) != value for field, value in wanted.items()):
        for field, value in wanted.items():
            setattr(network, field, value)
        network.save()
    names = [name for name, _ in preset.categories]
    for category in MembershipCategory.objects.exclude(name__in=names):
        category.delete()
    for position, (name, description) in enumerate(preset.categories):
        MembershipCategory.objects.update_or_create(
            settings=network, name=name, defaults={"description": description, "position": position}
        )
    SensitiveCharacteristic.objects.exclude(name__in=preset.characteristics).delete()
    for position, name in enumerate(preset.characteristics):
        SensitiveCharacteristic.objects.update_or_create(
            settings=network, name=name, defaults={"position": position}
        )


@cache
def demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def ensure_account(email: str, name: str, profile_seed: int | None = None) -> User:
    existing = User.objects.filter(email=email).first()
    if existing:
        return existing
    user = create_member(email=email, name=name, password=None)
    # Hashing is deliberately slow; every demo account shares one hash of the demo password.
    user.password = demo_password_hash()
    user.save(update_fields=["password"])
    if profile_seed is not None:
        demo.fill_profile(user, random.Random(profile_seed))
    return user
