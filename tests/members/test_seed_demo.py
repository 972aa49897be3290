import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from board.management.commands.seed_demo import BOARD_ACCOUNT, DEMO_PASSWORD, PRESETS
from events.models import Book, Booking, Event, Feedback, Kind, Registration
from members import demo
from members.models import Profile, User
from mentoring.models import (
    CheckIn,
    CloseOut,
    FitAnswer,
    MatchingRound,
    MentoringRequest,
    Pairing,
    Proposal,
    RoundEntry,
)
from network.models import MembershipCategory, MentoringTopic, NetworkSettings

pytestmark = pytest.mark.django_db

MENTORING_RECORDS = (
    MentoringTopic, MentoringRequest, Pairing, CheckIn, FitAnswer, CloseOut, MatchingRound,
    RoundEntry, Proposal,
)  # fmt: skip
# Names the women leaders' demo once gave to members of a network for women.
MENS_NAMES = {"Marcus", "Kwame", "Nathan", "Rhys", "Luis", "Owen", "Ben", "Chris", "Daniel"}


def snapshot() -> dict[str, object]:
    return {
        "settings": list(NetworkSettings.objects.values()),
        "categories": list(MembershipCategory.objects.values()),
        "users": list(User.objects.order_by("pk").values()),
        "profiles": list(Profile.objects.order_by("pk").values("pk", "category_id")),
        "addresses": list(EmailAddress.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values("pk", "title", "starts_at")),
        "registrations": list(Registration.objects.order_by("pk").values()),
        "books": list(Book.objects.order_by("pk").values()),
        "bookings": list(Booking.objects.order_by("pk").values()),
        "mentoring": {
            model.__name__: list(model.objects.order_by("pk").values())
            for model in MENTORING_RECORDS
        },
        "offers": list(
            Profile.objects.order_by("pk").values(
                "pk", "mentoring_status", "mentoring_capacity", "mentoring_goals", "updated_at"
            )
        ),
        "topics_offered": list(Profile.offered_topics.through.objects.order_by("pk").values()),
        "topics_wanted": list(Profile.wanted_topics.through.objects.order_by("pk").values()),
    }


def members_in_the_directory() -> list[tuple[str, str]]:
    """(first name, membership category) of everyone the directory lists."""
    return [
        (profile.display_name.split()[0], profile.category.name if profile.category else "")
        for profile in Profile.objects.in_directory()
    ]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_seeding_twice_changes_nothing(settings, preset: str) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset=preset, members=30)
    first = snapshot()
    call_command("seed_demo", preset=preset, members=30)
    assert snapshot() == first
    assert User.objects.count() == 1 + len(PRESETS[preset].accounts) + 30


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


def test_the_women_leaders_demo_is_made_of_women(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="women-leaders", members=200)
    listed = members_in_the_directory()
    assert len(listed) == 1 + len(PRESETS["women-leaders"].accounts) + 200
    first_names = {first for first, _ in listed}
    assert not first_names & MENS_NAMES
    assert first_names <= set(demo.WOMENS_NAMES)
    assert {category for _, category in listed} == {"Member"}


def test_the_lgbtq_leaders_demo_has_members_and_allies(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="lgbtq-leaders", members=50)
    named = [
        category
        for first, category in members_in_the_directory()
        if first not in {"Priya"} and category
    ]
    assert {"Member", "Ally"} == set(named)
    allies = [c for c in named if c == "Ally"]
    assert 0.15 < len(allies) / len(named) < 0.6
    assert set(members_in_the_directory()) & {(name, "Member") for name in MENS_NAMES}


def test_switching_to_the_women_leaders_demo_leaves_only_women_in_the_directory(
    settings,
) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="lgbtq-leaders", members=40)
    call_command("seed_demo", preset="women-leaders", members=40)
    listed = members_in_the_directory()
    assert {first for first, _ in listed} <= set(demo.WOMENS_NAMES)
    assert {category for _, category in listed} == {"Member"}
    client = Client()
    client.post(
        "/accounts/login/", {"login": "kwame.mensah@example.org", "password": DEMO_PASSWORD}
    )
    assert client.get("/home/").status_code == 302

    call_command("seed_demo", preset="lgbtq-leaders", members=40)
    assert ("Kwame", "Member") in members_in_the_directory()
    assert {category for _, category in members_in_the_directory()} == {"Member", "Ally"}


def test_demo_accounts_can_sign_in_and_the_board_account_is_on_the_board(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    client = Client()
    email = PRESETS["women-leaders"].accounts[0].email
    client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    assert client.get("/home/").status_code == 200
    assert User.objects.get(email=BOARD_ACCOUNT[0]).is_board_member


def test_seeding_is_refused_outside_local_development(settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_has_past_and_upcoming_events_of_every_kind(settings, preset: str) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset=preset)
    events = Event.objects.all()
    now = timezone.now()
    assert {event.kind for event in events.filter(starts_at__gt=now)} == set(Kind)
    held = events.filter(status=Event.Status.HELD, ends_at__lt=now)
    assert held.exists()
    assert Registration.objects.filter(event__in=held, attendance="attended").exists()
    assert Feedback.objects.filter(event__in=held).exists()
    full = [
        event
        for event in events.filter(starts_at__gt=now)
        if event.registrations.holding_seats().count() == event.capacity
    ]
    assert full, "a full event"
    waiting = list(full[0].registrations.waiting().values_list("queue_number", flat=True))
    assert waiting == list(range(1, len(waiting) + 1)) and waiting
    library = events.get(kind=Kind.LIVING_LIBRARY)
    assert library.books.count() >= 2
    assert Booking.objects.filter(book__event=library).exists()
    for booking in Booking.objects.filter(book__event=library):
        assert library.registrations.filter(member=booking.reader, status="confirmed").exists()
        assert booking.reader != booking.book.member


def test_switching_preset_keeps_only_that_networks_demo_events(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="lgbtq-leaders")
    assert Event.objects.filter(title="Allyship at board level").exists()
    call_command("seed_demo", preset="women-leaders")
    assert not Event.objects.filter(title="Allyship at board level").exists()
    assert Event.objects.filter(title="Coaching circle: returning from leave").exists()


def test_numbered_events_for_benchmarks_come_with_places_taken(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", members=40, events=15)
    numbered = Event.objects.filter(title__startswith="Network event")
    assert numbered.count() == 15
    assert Registration.objects.filter(event__in=numbered, status="confirmed").count() == 15 * 20
