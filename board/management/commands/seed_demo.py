"""Set up a demo of either seed network: its settings, a board account, a few members, their
events and discussions. It lives with the board, the one app that may draw on all the others."""

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from discussions import demo as discussions_demo
from events import demo as events_demo
from members import demo
from members.directory import directory_changed
from members.models import GuidelinesAcceptance, Profile, User
from members.services import appoint_to_board, create_member
from mentoring import demo as mentoring_demo
from network.models import MembershipCategory, NetworkSettings, SensitiveCharacteristic

DEMO_PASSWORD = "demo-network-2026"  # noqa: S105 - demo accounts exist only with DEBUG on


def accept_current_guidelines() -> None:
    """Demo members joined through invitations, so each accepted the guidelines then in force."""
    network = NetworkSettings.load()
    waiting = (
        User.objects.filter(profile__isnull=False)
        .exclude(acceptances__guidelines_version=network.guidelines_version)
        .only("pk")
    )
    GuidelinesAcceptance.objects.bulk_create(
        [
            GuidelinesAcceptance(
                user=user,
                guidelines_version=network.guidelines_version,
                privacy_version=network.privacy_version,
            )
            for user in waiting
        ],
        batch_size=2000,
    )


@dataclass(frozen=True)
class DemoAccount:
    first_name: str
    last_name: str
    category: str = "Member"
    address: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self) -> str:
        return self.address or f"{self.first_name}.{self.last_name}@example.org".lower()


def accounts(category: str, names: str) -> list[DemoAccount]:
    """Demo accounts from "First Last, First Last, ...", all in one membership category."""
    return [
        DemoAccount(first, last, category=category)
        for first, last in (name.split() for name in names.split(", "))
    ]


@dataclass(frozen=True)
class Preset:
    name: str
    sponsor: str
    summary: str
    eligibility: str
    contact_email: str
    categories: list[tuple[str, str]]
    characteristics: list[str]
    # The named demo members, each of whom could belong to this network.
    accounts: list[DemoAccount]
    # The given names of the members `--members` adds, and their addresses' first word.
    first_names: list[str]
    numbered_prefix: str
    numbered_pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.compile(rf"^{re.escape(self.numbered_prefix)}\d{{6}}@example\.org$")
        object.__setattr__(self, "numbered_pattern", pattern)


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
        accounts=accounts(
            "Member",
            "Amara Okafor, Siobhan Kelly, Rhiannon Evans, Mei Chen, Grace Adeyemi, Fatima Begum, "
            "Eilidh Campbell, Bethan Davies, Niamh Gallagher, Anjali Singh, Ifeoma Nwosu, "
            "Rachel Hughes, Tamsin Wright, Uzma Iqbal, Lowri Jones, Kirsty Walsh, "
            "Joanne Fraser, Deepa Patel, Chloe Roberts, Maryam Khan, Samantha Quinn, "
            "Zainab Mensah, Alexandra Young, Carys Thomas, Hannah Lewis, Folake Bakare, "
            "Aisha Bello, Naomi Reid, Natalie Shaw, Yetunde Fernandes",
        ),
        first_names=demo.WOMENS_NAMES,
        numbered_prefix="member",
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
        accounts=[
            *accounts(
                "Member",
                "Amara Okafor, Rhys Evans, Mei Chen, Kwame Mensah, Nathan Shaw, Luis Fernandes, "
                "Alex Young, Sam Quinn, Jo Fraser, Eilidh Campbell, Bethan Davies, Jamie Walsh, "
                "Robin Hughes, Efe Nwosu, Chloe Roberts, Charlie Wright, Ben Lewis",
            ),
            *accounts(
                "Ally",
                "Siobhan Kelly, Marcus Reid, Owen Thomas, Olu Bakare, Grace Adeyemi, "
                "Fatima Begum, Niamh Gallagher, Deepa Patel, Chris Iqbal",
            ),
        ],
        first_names=demo.WOMENS_NAMES + demo.OTHER_NAMES,
        numbered_prefix="lgbtq-member",
    ),
}

BOARD_ACCOUNT = ("board@example.org", "Priya Shah")
# The board member is a member of the network too, in either demo.
BOARD_MEMBER = DemoAccount("Priya", "Shah", address=BOARD_ACCOUNT[0])


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
        parser.add_argument(
            "--events",
            type=int,
            default=0,
            help="Also create this many numbered events with places taken (for benchmarks).",
        )
        parser.add_argument(
            "--mentoring",
            type=int,
            default=0,
            help="Also create this many pairings between members, with check-ins (for benchmarks).",
        )

    def handle(
        self,
        *args: Any,
        preset: str,
        members: int,
        events: int,
        mentoring: int,
        **options: Any,
    ) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts have a published password: set DEBUG=true to seed.")
        chosen = PRESETS[preset]
        with transaction.atomic():
            discussions_demo.remove_other_presets(preset)
            apply_preset(chosen)
            board = ensure_member(BOARD_MEMBER, seed=len(chosen.accounts))
            appoint_to_board(user=board)
            switch_demo_to(chosen)
            named = [
                ensure_member(account, seed=number)
                for number, account in enumerate(chosen.accounts)
            ]
            events_demo.seed_events(preset, members=named)
            every_demo_account = User.objects.filter(
                email__in=[a.email for p in PRESETS.values() for a in p.accounts]
            )
            mentoring_demo.seed_mentoring(
                preset, members=named, demo_accounts=list(every_demo_account)
            )
            discussions_demo.seed_discussions(preset, members=named, board=board)
        if members:
            created = demo.create_many(
                members,
                password=DEMO_PASSWORD,
                first_names=chosen.first_names,
                email_prefix=chosen.numbered_prefix,
            )
            first = demo.numbered_email(chosen.numbered_prefix, 0)
            self.stdout.write(f"Created {created} numbered members ({first} on).")
        if events:
            created = events_demo.create_many_events(events)
            self.stdout.write(f"Created {created} numbered events.")
        if mentoring:
            created = mentoring_demo.create_many_pairings(mentoring)
            self.stdout.write(f"Created {created} numbered pairings with their check-ins.")
        accept_current_guidelines()
        # Accounts and categories were switched in bulk, past the directory's change signals.
        directory_changed()
        self.stdout.write(f"Demo of {chosen.name} is ready. Sign in at /accounts/login/")
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        self.stdout.write(f"  board member: {BOARD_ACCOUNT[0]} (sets up MFA on first visit)")
        for account in chosen.accounts:
            self.stdout.write(f"  {account.category.lower() + ':':13} {account.email}")


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


def switch_demo_to(preset: Preset) -> None:
    """Stop the other network's demo members signing in or being listed, until it is back.

    This network's numbered members come back, each in one of its categories.

    Only accounts this command makes are touched: anyone who joined the demo site by invitation
    stays as they are.
    """
    ours = {account.email for account in preset.accounts}
    others = {
        account.email
        for other in PRESETS.values()
        for account in other.accounts
        if account.email not in ours
    }
    User.objects.filter(email__in=others, is_active=True).update(is_active=False)
    for other in PRESETS.values():
        if other is not preset:
            User.objects.filter(email__regex=other.numbered_pattern.pattern, is_active=True).update(
                is_active=False
            )
    ours_numbered = User.objects.filter(email__regex=preset.numbered_pattern.pattern)
    ours_numbered.filter(is_active=False).update(is_active=True)
    demo.restore_categories(
        Profile.objects.filter(user__in=ours_numbered), list(MembershipCategory.objects.all())
    )


@cache
def demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def ensure_account(email: str, name: str) -> User:
    existing = User.objects.filter(email=email).first()
    if existing:
        return existing
    user = create_member(email=email, name=name, password=None)
    # Hashing is deliberately slow; every demo account shares one hash of the demo password.
    user.password = demo_password_hash()
    user.save(update_fields=["password"])
    return user


def ensure_member(account: DemoAccount, *, seed: int) -> User:
    """The demo member, filled in once, back in the network and in its category for it."""
    category = MembershipCategory.objects.get(name=account.category)
    existing = User.objects.filter(email=account.email).first()
    if existing is None:
        user = ensure_account(account.email, account.name)
        demo.fill_profile(user, seed=seed, category=category)
        return user
    if not existing.is_active:
        existing.is_active = True
        existing.save(update_fields=["is_active"])
    profile = Profile.objects.get(user=existing)
    if profile.category_id != category.pk:
        profile.category = category
        profile.save()
    return existing
