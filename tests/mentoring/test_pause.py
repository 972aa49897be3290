"""A suspended member's pairings wait: the partner is told once, in words that say nothing of
why; reminders, the fit question and the end of term hold off; and when the suspension ends the
pairing carries on with its term moved on by the days it waited."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from members.models import User
from members.suspension import lift, suspend
from mentoring import rounds, services
from mentoring.models import Pairing
from network.mail import NotNeeded, render_email
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mails,
    mentee_with_goals,
    mentor_with_offer,
    recipients,
    rendered,
)

pytestmark = pytest.mark.django_db


def at(day_offset: int) -> datetime:
    """Noon in London `day_offset` days from today."""
    today = london_today() + timedelta(days=day_offset)
    return datetime(today.year, today.month, today.day, 12, tzinfo=services.LONDON)


@pytest.fixture
def pairing() -> Pairing:
    return active_pairing(
        mentor_with_offer(name="Grace Adeyemi"), mentee_with_goals(name="Amara Okafor")
    )


def test_suspension_puts_the_pairing_on_hold_and_tells_the_partner_once_in_neutral_words(
    pairing: Pairing, board_member: User
) -> None:
    suspend(user=pairing.mentee, until=at(7), actor=board_member)

    assert Pairing.objects.get(pk=pairing.pk).paused_at is not None
    assert recipients("mentoring/pairing_on_hold") == [pairing.mentor.email]
    text = rendered("mentoring/pairing_on_hold")
    assert "Your mentoring pairing with Amara Okafor is on hold for now" in text
    assert "The programme board will let you know when it can carry on" in text
    assert "suspen" not in text.lower()

    # A retry of the same step (or the hook run again) neither pauses again nor writes again.
    assert services.pause_pairings_of(pairing.mentee) == 0
    assert len(mails("mentoring/pairing_on_hold")) == 1


def test_a_paused_pairing_gets_no_reminders_fit_question_or_end_of_term(
    pairing: Pairing, board_member: User
) -> None:
    suspend(user=pairing.mentor, until=None, actor=board_member)

    assert services.ask_fit_questions(now=at(30)) == 0
    assert services.remind_check_ins(now=at(60)) == 0
    assert services.finish_pairings(now=at(400)) == 0
    assert Pairing.objects.get(pk=pairing.pk).status == Pairing.Status.ACTIVE
    assert mails("mentoring/fit_question") == []
    assert mails("mentoring/check_in_reminder") == []


def test_lifting_lets_it_carry_on_with_the_term_moved_on_by_the_wait(pairing: Pairing) -> None:
    ends_on = pairing.ends_on
    assert ends_on is not None
    assert services.pause_pairings_of(pairing.mentor, now=at(0)) == 1

    assert services.resume_pairings_of(pairing.mentor, now=at(10)) == 1
    assert services.resume_pairings_of(pairing.mentor, now=at(10)) == 0

    pairing.refresh_from_db()
    assert pairing.paused_at is None
    assert pairing.ends_on == ends_on + timedelta(days=10)
    assert recipients("mentoring/pairing_resumed") == [pairing.mentee.email]
    text = rendered("mentoring/pairing_resumed")
    assert "Your mentoring pairing with Grace Adeyemi is no longer on hold and can carry on" in text
    assert "suspen" not in text.lower()
    assert services.ask_fit_questions(now=at(30)) == 1


def test_the_end_of_a_suspension_restores_the_pairing(pairing: Pairing, board_member: User) -> None:
    suspension = suspend(user=pairing.mentee, until=at(7), actor=board_member)

    lift(suspension=suspension)

    assert Pairing.objects.get(pk=pairing.pk).paused_at is None
    assert recipients("mentoring/pairing_resumed") == [pairing.mentor.email]


def test_a_pairing_waits_until_both_sides_are_back(pairing: Pairing, board_member: User) -> None:
    mentee_suspension = suspend(user=pairing.mentee, until=None, actor=board_member)
    mentor_suspension = suspend(user=pairing.mentor, until=None, actor=board_member)
    # The mentee, already away, is not written to about their mentor.
    assert recipients("mentoring/pairing_on_hold") == [pairing.mentor.email]

    lift(suspension=mentee_suspension, actor=board_member)
    assert Pairing.objects.get(pk=pairing.pk).paused_at is not None
    assert mails("mentoring/pairing_resumed") == []

    lift(suspension=mentor_suspension, actor=board_member)
    assert Pairing.objects.get(pk=pairing.pk).paused_at is None
    assert recipients("mentoring/pairing_resumed") == [pairing.mentee.email]


def test_pairings_that_are_over_are_left_alone(board_member: User) -> None:
    mentee = mentee_with_goals()
    over = active_pairing(mentee=mentee, status=Pairing.Status.COMPLETED, ended_at=timezone.now())

    suspend(user=mentee, until=None, actor=board_member)

    assert Pairing.objects.get(pk=over.pk).paused_at is None
    assert mails("mentoring/pairing_on_hold") == []


def test_a_hold_note_is_not_sent_once_the_pairing_has_carried_on(pairing: Pairing) -> None:
    services.pause_pairings_of(pairing.mentee)
    services.resume_pairings_of(pairing.mentee)

    [on_hold] = mails("mentoring/pairing_on_hold")
    with pytest.raises(NotNeeded):
        render_email(on_hold)


def test_a_matching_round_leaves_suspended_members_out(board_member: User) -> None:
    mentor = mentor_with_offer(capacity=2)
    away_mentor = mentor_with_offer(capacity=2)
    mentee, away_mentee = mentee_with_goals(), mentee_with_goals()
    matching_round = rounds.open_round(title="Spring round", by=board_member)
    for member in (mentee, away_mentee):
        rounds.add_to_round(round_id=matching_round.pk, mentee_id=member.pk, by=board_member)
    suspend(user=away_mentor, until=None, actor=board_member)
    suspend(user=away_mentee, until=None, actor=board_member)

    rounds.run_matching(round_id=matching_round.pk, by=board_member)

    proposed = list(matching_round.proposals.values_list("mentee_id", "mentor_id"))
    assert proposed == [(mentee.pk, mentor.pk)]
