"""Matching rounds: the board opens a round, mentees join or are added, the board runs the
matching, changes pairs within the rules and publishes once, and both sides are emailed."""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

import mentoring.emails  # noqa: F401  (the round's mail builder, as the app registers it)
from members.models import MentoringStatus, Profile, User
from mentoring import rounds
from mentoring.models import MatchingRound, Pairing, Proposal, Refusal, RoundEntry
from network.errors import Refused
from network.mail import NotNeeded, render_email
from network.models import AuditAction, AuditEvent
from tests.mentoring.support import (
    active_pairing,
    mails,
    mentee_with_goals,
    mentor_with_offer,
    set_network,
    snapshot,
)

OWN_TRUST = "Leeds Teaching Hospitals NHS Trust"


def everything() -> dict[str, list[Any]]:
    """The mentoring records and the round's own, to compare before and after a refusal."""
    return snapshot() | {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (MatchingRound, RoundEntry, Proposal)
    }


def refused(code: Refusal, call: Any, **arguments: Any) -> Refused:
    before = everything()
    with pytest.raises(Refused) as caught:
        call(**arguments)
    assert caught.value.code == code
    assert everything() == before
    return caught.value


def audited(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def board(board_member: User) -> User:
    set_network(match_weights={}, pairing_term_months=9)
    return board_member


@pytest.fixture
def open_round(board: User) -> MatchingRound:
    return rounds.open_round(title="  Spring   round ", by=board)


def matched_round(board: User, *mentees: User) -> MatchingRound:
    matching_round = rounds.open_round(title="Round", by=board)
    for mentee in mentees:
        rounds.add_to_round(round_id=matching_round.pk, mentee_id=mentee.pk, by=board)
    rounds.run_matching(round_id=matching_round.pk, by=board)
    matching_round.refresh_from_db()
    return matching_round


def pairs(matching_round: MatchingRound) -> dict[int, int]:
    return dict(matching_round.proposals.values_list("mentee_id", "mentor_id"))


# ---------------------------------------------------------------------------------------------
# Opening and joining


def test_opening_a_round_is_recorded(open_round: MatchingRound, board: User) -> None:
    assert open_round.title == "Spring round"
    assert open_round.status == MatchingRound.Status.OPEN
    [event] = audited(AuditAction.MATCHING_ROUND_OPENED)
    assert event.actor == board and event.target_id == str(open_round.pk)


def test_a_round_needs_a_title(board: User) -> None:
    with pytest.raises(ValueError, match="title"):
        rounds.open_round(title="   ", by=board)
    assert not MatchingRound.objects.exists()


def test_a_mentee_with_goals_joins_an_open_round(open_round: MatchingRound) -> None:
    mentee = mentee_with_goals()

    entry = rounds.join_round(round_id=open_round.pk, mentee=mentee)

    assert entry.mentee == mentee and entry.added_by is None
    assert not audited(AuditAction.MATCHING_ROUND_MENTEE_ADDED)


def test_a_member_without_goals_cannot_join(open_round: MatchingRound) -> None:
    member = mentee_with_goals(topics=(), profile={"mentoring_goals": "  "})

    error = refused(Refusal.GOALS_NEEDED, rounds.join_round, round_id=open_round.pk, mentee=member)
    assert "what you hope to achieve" in error.message


def test_topics_alone_are_goals_enough_to_join(open_round: MatchingRound) -> None:
    member = mentee_with_goals(profile={"mentoring_goals": ""})

    assert rounds.join_round(round_id=open_round.pk, mentee=member).mentee == member


def test_joining_twice_is_refused_and_changes_nothing(open_round: MatchingRound) -> None:
    mentee = mentee_with_goals()
    rounds.join_round(round_id=open_round.pk, mentee=mentee)

    error = refused(
        Refusal.ALREADY_IN_ROUND, rounds.join_round, round_id=open_round.pk, mentee=mentee
    )
    assert error.message == "This mentee is already in the round."


def test_the_board_adds_a_mentee_and_it_is_recorded(open_round: MatchingRound, board: User) -> None:
    mentee = mentee_with_goals()

    entry = rounds.add_to_round(round_id=open_round.pk, mentee_id=mentee.pk, by=board)

    assert entry.added_by == board
    [event] = audited(AuditAction.MATCHING_ROUND_MENTEE_ADDED)
    assert event.data == {"mentee_id": mentee.pk}


def test_adding_someone_twice_is_refused_and_changes_nothing(
    open_round: MatchingRound, board: User
) -> None:
    mentee = mentee_with_goals()
    rounds.join_round(round_id=open_round.pk, mentee=mentee)

    refused(
        Refusal.ALREADY_IN_ROUND,
        rounds.add_to_round,
        round_id=open_round.pk,
        mentee_id=mentee.pk,
        by=board,
    )


def test_nobody_joins_a_round_once_it_is_matched(board: User) -> None:
    mentor_with_offer()
    matching_round = matched_round(board, mentee_with_goals())
    late = mentee_with_goals()

    refused(Refusal.ROUND_NOT_OPEN, rounds.join_round, round_id=matching_round.pk, mentee=late)
    refused(
        Refusal.ROUND_NOT_OPEN,
        rounds.add_to_round,
        round_id=matching_round.pk,
        mentee_id=late.pk,
        by=board,
    )


# ---------------------------------------------------------------------------------------------
# Matching


def test_matching_proposes_the_best_pairs_within_capacity_and_says_why_others_wait(
    board: User,
) -> None:
    finance = mentor_with_offer(capacity=1, topics=("Finance",), profile={"mentoring_topics": ""})
    digital = mentor_with_offer(capacity=1, topics=("Digital",), profile={"mentoring_topics": ""})
    wants_finance = mentee_with_goals(topics=("Finance",), profile={"mentoring_needs_topics": ""})
    wants_digital = mentee_with_goals(topics=("Digital",), profile={"mentoring_needs_topics": ""})
    also_finance = mentee_with_goals(topics=("Finance",), profile={"mentoring_needs_topics": ""})
    wants_art = mentee_with_goals(topics=("Art",), profile={"mentoring_needs_topics": ""})

    matching_round = matched_round(board, wants_finance, wants_digital, also_finance, wants_art)

    proposed = pairs(matching_round)
    assert proposed[wants_digital.pk] == digital.pk
    assert finance.pk in proposed.values()
    assert len(proposed) == 2
    waiting = dict(matching_round.entries.values_list("mentee_id", "unmatched_because"))
    assert waiting[wants_art.pk] == "No mentor with room offers the topics they asked for."
    finance_waiter = also_finance if proposed.get(wants_finance.pk) else wants_finance
    assert waiting[finance_waiter.pk] == "Every suitable mentor is full in this round."
    figures = matching_round.figures
    assert figures["mentees"] == 4
    assert figures["matched"] == 2 and figures["unmatched"] == 2
    assert figures["capacity_used"] == 2 and figures["capacity"] == 2
    assert figures["average_score"] > 0
    assert figures["unmatched_why"] == {
        "No mentor with room offers the topics they asked for.": 1,
        "Every suitable mentor is full in this round.": 1,
    }
    assert matching_round.status == MatchingRound.Status.MATCHED
    [event] = audited(AuditAction.MATCHING_ROUND_MATCHED)
    assert event.data["matched"] == 2
    proposal = matching_round.proposals.get(mentee=wants_digital)
    assert proposal.reasons[0] == "You both work on digital"
    assert proposal.parts["topics"] == 3.0


def test_matching_never_proposes_a_pair_the_rules_forbid(board: User) -> None:
    mentor_with_offer()  # at Leeds
    colleague = mentee_with_goals(profile={"organisation": OWN_TRUST.upper()})

    matching_round = matched_round(board, colleague)

    assert pairs(matching_round) == {}
    [because] = matching_round.entries.values_list("unmatched_because", flat=True)
    assert because.startswith("The rules rule out every mentor who offers their topics:")
    assert "same organisation" in because


def test_matching_counts_only_the_room_a_mentor_has_left(board: User) -> None:
    mentor = mentor_with_offer(capacity=2)
    active_pairing(mentor, mentee_with_goals())

    matching_round = matched_round(board, mentee_with_goals(), mentee_with_goals())

    assert list(pairs(matching_round).values()) == [mentor.pk]
    assert matching_round.figures["capacity"] == 1


def test_running_the_matching_again_replaces_the_proposals(board: User) -> None:
    mentor = mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board, mentee)
    Profile.objects.filter(pk=mentor.pk).update(mentoring_status=MentoringStatus.PAUSED)

    figures = rounds.run_matching(round_id=matching_round.pk, by=board)

    assert pairs(matching_round) == {}
    assert figures["matched"] == 0
    assert matching_round.entries.get().unmatched_because == (
        "No mentor is taking on mentees with room left just now."
    )


def test_a_suspended_mentee_is_left_unmatched_with_the_reason(board: User) -> None:
    mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = rounds.open_round(title="Round", by=board)
    rounds.join_round(round_id=matching_round.pk, mentee=mentee)
    User.objects.filter(pk=mentee.pk).update(is_active=False)

    rounds.run_matching(round_id=matching_round.pk, by=board)

    assert matching_round.entries.get().unmatched_because == "Their account is suspended or closed."


# ---------------------------------------------------------------------------------------------
# Changing pairs


def test_the_board_swaps_a_mentee_to_another_allowed_mentor(board: User) -> None:
    first = mentor_with_offer(name="First Mentor")
    second = mentor_with_offer(name="Second Mentor", capacity=1)
    mentee = mentee_with_goals()
    matching_round = matched_round(board, mentee)
    other = second if pairs(matching_round)[mentee.pk] == first.pk else first

    proposal = rounds.change_pair(
        round_id=matching_round.pk, mentee_id=mentee.pk, mentor_id=other.pk, by=board
    )

    assert proposal is not None and proposal.chosen_by_board
    assert pairs(matching_round) == {mentee.pk: other.pk}
    assert proposal.reasons
    [event] = audited(AuditAction.MATCHING_ROUND_PAIR_CHANGED)
    assert event.data["to_mentor_id"] == other.pk and event.data["mentee_id"] == mentee.pk


def test_swapping_to_a_forbidden_mentor_is_refused_with_the_rule(board: User) -> None:
    mentor_with_offer()
    colleague_mentor = mentor_with_offer(profile={"organisation": "Sheffield Children's NHS FT"})
    mentee = mentee_with_goals(profile={"organisation": "Sheffield Children's NHS FT"})
    matching_round = matched_round(board, mentee)

    error = refused(
        Refusal.PAIR_NOT_ALLOWED,
        rounds.change_pair,
        round_id=matching_round.pk,
        mentee_id=mentee.pk,
        mentor_id=colleague_mentor.pk,
        by=board,
    )
    assert error.message.startswith("The mentoring rules do not allow this pair.")
    assert "same organisation" in error.message


def test_swapping_to_a_mentor_full_in_the_round_is_refused(board: User) -> None:
    busy = mentor_with_offer(capacity=1)
    first, second = mentee_with_goals(), mentee_with_goals()
    matching_round = matched_round(board, first, second)
    waiting = second if pairs(matching_round).get(first.pk) else first

    error = refused(
        Refusal.MENTOR_FULL,
        rounds.change_pair,
        round_id=matching_round.pk,
        mentee_id=waiting.pk,
        mentor_id=busy.pk,
        by=board,
    )
    assert error.message == "This mentor has no capacity left in the round."


def test_swapping_to_a_mentor_full_outside_the_round_is_refused(board: User) -> None:
    mentor_with_offer()
    full = mentor_with_offer(capacity=1)
    active_pairing(full, mentee_with_goals())
    mentee = mentee_with_goals()
    matching_round = matched_round(board, mentee)

    refused(
        Refusal.MENTOR_FULL,
        rounds.change_pair,
        round_id=matching_round.pk,
        mentee_id=mentee.pk,
        mentor_id=full.pk,
        by=board,
    )


def test_swapping_someone_not_in_the_round_or_before_matching_is_refused(board: User) -> None:
    mentor = mentor_with_offer()
    stranger = mentee_with_goals()
    matching_round = matched_round(board, mentee_with_goals())
    unmatched = rounds.open_round(title="Not run yet", by=board)

    refused(
        Refusal.PAIR_NOT_ALLOWED,
        rounds.change_pair,
        round_id=matching_round.pk,
        mentee_id=stranger.pk,
        mentor_id=mentor.pk,
        by=board,
    )
    refused(
        Refusal.ROUND_NOT_MATCHED,
        rounds.change_pair,
        round_id=unmatched.pk,
        mentee_id=stranger.pk,
        mentor_id=mentor.pk,
        by=board,
    )


def test_the_board_removes_a_pair(board: User) -> None:
    mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board, mentee)

    assert (
        rounds.change_pair(
            round_id=matching_round.pk, mentee_id=mentee.pk, mentor_id=None, by=board
        )
        is None
    )

    assert pairs(matching_round) == {}
    assert matching_round.entries.get().unmatched_because == (
        "Removed from the proposals by the board."
    )
    [event] = audited(AuditAction.MATCHING_ROUND_PAIR_CHANGED)
    assert event.data["to_mentor_id"] is None


# ---------------------------------------------------------------------------------------------
# Publishing


def test_publishing_proposes_each_pairing_and_emails_both_sides(
    board: User, django_capture_on_commit_callbacks: Any
) -> None:
    mentor = mentor_with_offer(name="Grace Obi")
    mentee = mentee_with_goals(name="Sam Lee")
    matching_round = matched_round(board, mentee)

    with django_capture_on_commit_callbacks(execute=True):
        proposed = rounds.publish_round(round_id=matching_round.pk, by=board)

    assert proposed == 1
    pairing = Pairing.objects.get()
    assert (pairing.mentor, pairing.mentee) == (mentor, mentee)
    assert pairing.status == Pairing.Status.PROPOSED
    assert pairing.origin == Pairing.Origin.ROUND and pairing.round == matching_round
    assert pairing.term_months == 9
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.PUBLISHED
    [event] = audited(AuditAction.MATCHING_ROUND_PUBLISHED)
    assert event.data == {"pairings": 1, "left_out": []}
    sent = {email.to_email: render_email(email) for email in mails("mentoring/round_proposed")}
    to_mentee, to_mentor = sent[mentee.email], sent[mentor.email]
    assert to_mentee.subject == "The board has proposed Grace Obi as your mentor"
    assert to_mentor.subject == "The board has proposed Sam Lee as your mentee"
    url = f"{settings.SITE_URL}/mentoring/pairings/{pairing.pk}/"
    assert url in to_mentee.body and url in to_mentor.body
    assert "You both work on board readiness" in to_mentee.body
    assert "You both work on" not in to_mentor.body
    assert "runs for 9 months" in to_mentee.body


def test_publishing_twice_is_refused_and_changes_nothing(board: User) -> None:
    mentor_with_offer()
    matching_round = matched_round(board, mentee_with_goals())
    rounds.publish_round(round_id=matching_round.pk, by=board)

    error = refused(
        Refusal.ROUND_PUBLISHED, rounds.publish_round, round_id=matching_round.pk, by=board
    )
    assert error.message == "This matching round has already been published."
    assert Pairing.objects.count() == 1
    refused(Refusal.ROUND_PUBLISHED, rounds.run_matching, round_id=matching_round.pk, by=board)


def test_publishing_before_matching_is_refused_and_changes_nothing(
    open_round: MatchingRound, board: User
) -> None:
    rounds.join_round(round_id=open_round.pk, mentee=mentee_with_goals())

    error = refused(
        Refusal.ROUND_NOT_MATCHED, rounds.publish_round, round_id=open_round.pk, by=board
    )
    assert error.message == "Run the matching before publishing the round."


def test_a_pair_no_longer_allowed_at_publishing_is_left_out_with_the_reason(board: User) -> None:
    mentor = mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board, mentee)
    Profile.objects.filter(pk=mentor.pk).update(mentoring_status=MentoringStatus.PAUSED)

    assert rounds.publish_round(round_id=matching_round.pk, by=board) == 0

    assert not Pairing.objects.exists()
    assert not mails("mentoring/round_proposed")
    assert matching_round.entries.get().unmatched_because == (
        "Left out when published: The mentor is not taking on mentees just now."
    )


def test_the_proposal_mail_is_not_sent_once_the_pairing_was_answered(board: User) -> None:
    mentor_with_offer()
    matching_round = matched_round(board, mentee_with_goals())
    rounds.publish_round(round_id=matching_round.pk, by=board)
    Pairing.objects.update(status=Pairing.Status.DECLINED)

    with pytest.raises(NotNeeded):
        render_email(mails("mentoring/round_proposed")[0])


def queries_to_match(board: User, mentors: int, mentees: int) -> int:
    for _ in range(mentors):
        mentor_with_offer()
    matching_round = rounds.open_round(title="Round", by=board)
    for _ in range(mentees):
        rounds.join_round(round_id=matching_round.pk, mentee=mentee_with_goals())
    with CaptureQueriesContext(connection) as queries:
        figures = rounds.run_matching(round_id=matching_round.pk, by=board)
    assert figures["matched"] == min(mentees, 2 * mentors)
    return len(queries)


def test_matching_takes_the_same_queries_for_a_small_round_as_for_a_larger_one(
    board: User,
) -> None:
    small = queries_to_match(board, mentors=1, mentees=2)
    Profile.objects.update(mentoring_status=MentoringStatus.PAUSED)
    larger = queries_to_match(board, mentors=4, mentees=7)

    assert small == larger
