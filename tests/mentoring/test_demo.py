"""The mentoring demo: both presets have the board's topics, offers and goals, requests and
pairings in every state and an open round; `--mentoring N` adds pairings for benchmarks.
(Seeding twice changing nothing is tests/members/test_seed_demo.py's snapshot.)"""

import pytest
from django.core.management import call_command
from django.test import Client

from board.management.commands.seed_demo import DEMO_PASSWORD, PRESETS
from members.models import MentoringStatus, Profile
from mentoring.demo import OPEN_ROUND, TOPICS
from mentoring.models import (
    CheckIn,
    CloseOut,
    MatchingRound,
    MentoringRequest,
    Pairing,
    RoundEntry,
)
from network.models import MentoringTopic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_has_mentoring_in_every_state(settings, preset: str) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset=preset)
    assert set(TOPICS) <= set(MentoringTopic.objects.values_list("name", flat=True))
    assert "Board governance" in TOPICS and "Quality improvement" in TOPICS
    assert {p.status for p in Pairing.objects.all()} == set(Pairing.Status)
    assert {r.status for r in MentoringRequest.objects.all()} == set(MentoringRequest.Status)
    active = Pairing.objects.filter(status=Pairing.Status.ACTIVE)
    assert active.filter(check_ins__isnull=False).distinct().count() >= 2
    for pairing in Pairing.objects.filter(status=Pairing.Status.COMPLETED):
        assert CloseOut.objects.filter(pairing=pairing, member=pairing.mentee).exists()
    assert not CheckIn.objects.filter(pairing__status=Pairing.Status.PROPOSED).exists()
    round_ = MatchingRound.objects.get(title=OPEN_ROUND[preset])
    assert round_.status == MatchingRound.Status.OPEN
    assert RoundEntry.objects.filter(round=round_).count() == 3
    mentors = Profile.objects.filter(offered_topics__isnull=False).distinct()
    assert mentors.filter(mentoring_status=MentoringStatus.ACCEPTING).count() >= 5
    assert Profile.objects.exclude(mentoring_goals="").filter(wanted_topics__isnull=False).exists()


def test_switching_preset_keeps_only_that_networks_demo_mentoring(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", preset="lgbtq-leaders")
    call_command("seed_demo", preset="women-leaders")
    assert not MatchingRound.objects.filter(title=OPEN_ROUND["lgbtq-leaders"]).exists()
    assert MatchingRound.objects.filter(title=OPEN_ROUND["women-leaders"]).exists()
    # Every demo pairing is between members of the women leaders' network, who can sign in.
    for pairing in Pairing.objects.select_related("mentor", "mentee"):
        assert pairing.mentor.is_active and pairing.mentee.is_active


def test_a_demo_mentee_signs_in_and_sees_their_pairing(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo")
    pairing = (
        Pairing.objects.filter(status=Pairing.Status.ACTIVE, check_ins__isnull=False)
        .order_by("pk")
        .first()
    )
    assert pairing is not None
    client = Client()
    client.post("/accounts/login/", {"login": pairing.mentee.email, "password": DEMO_PASSWORD})
    page = client.get(f"/mentoring/pairings/{pairing.pk}/")
    assert page.status_code == 200
    assert pairing.check_ins.first().notes in page.content.decode()  # type: ignore[union-attr]


def test_numbered_pairings_for_benchmarks_come_with_check_ins(settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", members=60, mentoring=500)
    numbered = Pairing.objects.filter(agreed_goals="Ready for a board role.")
    assert numbered.count() == 500
    assert CheckIn.objects.filter(pairing__in=numbered).count() == 1000
    assert numbered.filter(status=Pairing.Status.ACTIVE).exists()
    assert numbered.filter(status=Pairing.Status.COMPLETED).exists()
