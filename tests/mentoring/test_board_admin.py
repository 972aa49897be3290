"""The programme board runs mentoring from the board site: opening a matching round, adding
mentees, running the matching, reviewing, swapping and removing pairs, publishing once; reading
pairings and requests with their dates (never what the pair wrote); the queues of pairings to
confirm and stalled pairings; ending a pairing with a neutral reason; and the page on how
matching works. Every change is on the audit record, and only board members with MFA get in."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import User
from mentoring import matching, rounds
from mentoring.models import (
    CheckIn,
    CloseOut,
    MatchingRound,
    MentoringRequest,
    Pairing,
    Proposal,
    RoundEntry,
)
from network.models import AuditAction, AuditEvent, MentoringTopic, NetworkSettings
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mentee_with_goals,
    mentor_with_offer,
    set_network,
    snapshot,
)
from tests.site.sitemap import site_routes

pytestmark = pytest.mark.django_db

CHANGE = "admin:mentoring_matchinground_change"


@pytest.fixture
def board(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


def audited(action: AuditAction, target: Any) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action, target_type=target._meta.label, target_id=str(target.pk)
        )
    )


def said(response: HttpResponse) -> list[str]:
    """The messages the board member sees after a redirect."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:mentoring_matchinground_{name}", args=args)


def open_round(by: User, *mentees: User) -> MatchingRound:
    matching_round = rounds.open_round(title="Spring round", by=by)
    for mentee in mentees:
        rounds.add_to_round(round_id=matching_round.pk, mentee_id=mentee.pk, by=by)
    return matching_round


def matched_round(by: User, *mentees: User) -> MatchingRound:
    matching_round = open_round(by, *mentees)
    rounds.run_matching(round_id=matching_round.pk, by=by)
    return matching_round


def text_of(response: HttpResponse) -> str:
    """The page's words without its markup, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# ---------------------------------------------------------------------------------------------
# Rounds


def test_the_board_opens_a_round_and_it_is_on_the_record(board: Client, board_member: User) -> None:
    response = board.post(reverse("admin:mentoring_matchinground_add"), {"title": "Spring 2027"})
    matching_round = MatchingRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGE, args=[matching_round.pk])
    assert matching_round.title == "Spring 2027"
    assert matching_round.status == MatchingRound.Status.OPEN
    assert matching_round.created_by == board_member
    assert len(audited(AuditAction.MATCHING_ROUND_OPENED, matching_round)) == 1


def test_a_round_without_a_title_is_refused_and_nothing_opens(board: Client) -> None:
    response = board.post(reverse("admin:mentoring_matchinground_add"), {"title": "  "})
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not MatchingRound.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_list_counts_mentees_and_proposals_without_a_query_per_row(
    board: Client, board_member: User
) -> None:
    mentor_with_offer(capacity=3)
    for _ in range(3):
        matched_round(board_member, mentee_with_goals(), mentee_with_goals())
    with CaptureQueriesContext(connection) as few:
        page = board.get(reverse("admin:mentoring_matchinground_changelist"))
    for _ in range(5):
        matched_round(board_member, mentee_with_goals())
    with CaptureQueriesContext(connection) as many:
        board.get(reverse("admin:mentoring_matchinground_changelist"))
    assert len(many) == len(few)
    assert "Spring round" in page.content.decode()


def test_adding_a_mentee_puts_them_in_the_round_and_adding_them_twice_is_refused(
    board: Client, board_member: User
) -> None:
    mentee = mentee_with_goals(email="ade@example.org")
    matching_round = open_round(board_member)
    response = board.post(url("add_mentee", matching_round.pk), {"email": "ADE@example.org"})
    assert response.status_code == 302
    entry = RoundEntry.objects.get(round=matching_round)
    assert entry.mentee == mentee and entry.added_by == board_member
    assert len(audited(AuditAction.MATCHING_ROUND_MENTEE_ADDED, matching_round)) == 1

    before = snapshot()
    response = board.post(url("add_mentee", matching_round.pk), {"email": "ade@example.org"})
    assert "This mentee is already in the round." in " ".join(said(response))
    assert RoundEntry.objects.filter(round=matching_round).count() == 1
    assert snapshot() == before


@pytest.mark.parametrize("email", ["", "not an address", "nobody@example.org"])
def test_adding_someone_who_is_not_a_member_is_refused_with_a_message(
    board: Client, board_member: User, email: str
) -> None:
    matching_round = open_round(board_member)
    response = board.post(url("add_mentee", matching_round.pk), {"email": email})
    assert response["Location"] == reverse(CHANGE, args=[matching_round.pk])
    assert "Enter the email address of a member" in " ".join(said(response))
    assert not RoundEntry.objects.exists()


def test_a_round_already_matched_takes_no_more_mentees(board: Client, board_member: User) -> None:
    mentor_with_offer()
    late = mentee_with_goals(email="late@example.org")
    matching_round = matched_round(board_member, mentee_with_goals())
    response = board.post(url("add_mentee", matching_round.pk), {"email": late.email})
    assert "This matching round is no longer taking mentees." in " ".join(said(response))
    assert not RoundEntry.objects.filter(mentee=late).exists()
    page = board.get(reverse(CHANGE, args=[matching_round.pk])).content.decode()
    assert url("add_mentee", matching_round.pk) not in page


def test_a_mentee_without_goals_cannot_be_added(board: Client, board_member: User) -> None:
    member = MemberFactory(email="no.goals@example.org")
    matching_round = open_round(board_member)
    response = board.post(url("add_mentee", matching_round.pk), {"email": member.email})
    assert "Say what you hope to achieve" in " ".join(said(response))
    assert not RoundEntry.objects.exists()


def test_running_the_matching_shows_each_pair_with_its_score_parts_reasons_and_figures(
    board: Client, board_member: User
) -> None:
    mentor = mentor_with_offer(name="Siobhan Kelly", capacity=1)
    first, second = mentee_with_goals(name="Amara Okafor"), mentee_with_goals(name="Tom Baker")
    matching_round = open_round(board_member, first, second)

    response = board.post(url("run", matching_round.pk))
    assert response["Location"] == reverse(CHANGE, args=[matching_round.pk])
    assert "1 matched, 1 not matched" in " ".join(said(response))
    proposal = Proposal.objects.get(round=matching_round)
    assert proposal.mentor == mentor
    assert len(audited(AuditAction.MATCHING_ROUND_MATCHED, matching_round)) == 1

    page = text_of(board.get(reverse(CHANGE, args=[matching_round.pk])))
    assert f"{proposal.score:.2f}" in page
    assert "topics:" in page
    assert proposal.reasons and proposal.reasons[0] in page
    assert "Matched 1" in page and "Not matched 1" in page
    assert "Mentors' places used 1 of 1" in page
    unmatched = RoundEntry.objects.exclude(mentee=proposal.mentee).get()
    assert unmatched.unmatched_because and unmatched.unmatched_because in page


def test_round_actions_are_post_only(board: Client, board_member: User) -> None:
    mentee = mentee_with_goals()
    matching_round = open_round(board_member, mentee)
    for name, args in [
        ("run", [matching_round.pk]),
        ("publish", [matching_round.pk]),
        ("add_mentee", [matching_round.pk]),
        ("swap", [matching_round.pk, mentee.pk]),
        ("remove", [matching_round.pk, mentee.pk]),
    ]:
        assert board.get(url(name, *args)).status_code == 405, name
    assert MatchingRound.objects.get().status == MatchingRound.Status.OPEN


def test_the_swap_list_offers_only_mentors_the_rules_allow(
    board: Client, board_member: User
) -> None:
    mentor_with_offer(name="Proposed Mentor", capacity=1)
    mentor_with_offer(name="Another Mentor", capacity=1)
    mentor_with_offer(
        name="Same Trust",
        profile={"organisation": "Sheffield Children's NHS Foundation Trust"},
    )
    mentor_with_offer(name="Paused Mentor", status="paused")
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    proposal = Proposal.objects.get(round=matching_round)

    page = board.get(reverse(CHANGE, args=[matching_round.pk])).content.decode()
    options = re.findall(r"<option value=\"(\d+)\">([^<(]+)", page)
    offered = {name.strip() for _, name in options}
    assert offered == {"Proposed Mentor", "Another Mentor"} - {str(proposal.mentor)}


def test_swapping_a_mentor_changes_the_pair_and_is_recorded(
    board: Client, board_member: User
) -> None:
    first = mentor_with_offer(capacity=1)
    second = mentor_with_offer(capacity=1)
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    other = second if Proposal.objects.get().mentor == first else first

    response = board.post(url("swap", matching_round.pk, mentee.pk), {"mentor": other.pk})
    assert f"{mentee} is now proposed to {other}." in said(response)
    proposal = Proposal.objects.get(round=matching_round)
    assert proposal.mentor == other and proposal.chosen_by_board
    assert len(audited(AuditAction.MATCHING_ROUND_PAIR_CHANGED, matching_round)) == 1


def test_swapping_to_a_forbidden_mentor_is_refused_with_the_reason_and_changes_nothing(
    board: Client, board_member: User
) -> None:
    mentor_with_offer()
    same_trust = mentor_with_offer(
        profile={"organisation": "Sheffield Children's NHS Foundation Trust"}
    )
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    before = snapshot() | {"proposals": list(Proposal.objects.values())}

    response = board.post(url("swap", matching_round.pk, mentee.pk), {"mentor": same_trust.pk})
    assert response["Location"] == reverse(CHANGE, args=[matching_round.pk])
    message = " ".join(said(response))
    assert "The mentoring rules do not allow this pair." in message
    assert "same organisation" in message
    assert snapshot() | {"proposals": list(Proposal.objects.values())} == before


def test_swapping_to_a_mentor_full_in_the_round_is_refused_and_changes_nothing(
    board: Client, board_member: User
) -> None:
    mentor_with_offer(capacity=1)
    mentor_with_offer(capacity=1)
    first, second = mentee_with_goals(), mentee_with_goals()
    matching_round = matched_round(board_member, first, second)
    taken = Proposal.objects.get(mentee=second).mentor
    before = list(Proposal.objects.order_by("pk").values())

    response = board.post(url("swap", matching_round.pk, first.pk), {"mentor": taken.pk})
    assert "This mentor has no capacity left in the round." in said(response)
    assert list(Proposal.objects.order_by("pk").values()) == before
    assert not audited(AuditAction.MATCHING_ROUND_PAIR_CHANGED, matching_round)


@pytest.mark.parametrize("mentor", ["", "x", "-1", "9" * 30])
def test_a_swap_without_a_mentor_from_the_list_is_refused(
    board: Client, board_member: User, mentor: str
) -> None:
    mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    before = list(Proposal.objects.values())
    response = board.post(url("swap", matching_round.pk, mentee.pk), {"mentor": mentor})
    assert "Choose a mentor from the list." in said(response)
    assert list(Proposal.objects.values()) == before


def test_removing_a_pair_leaves_the_mentee_unmatched_and_is_recorded(
    board: Client, board_member: User
) -> None:
    mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    response = board.post(url("remove", matching_round.pk, mentee.pk))
    assert "The pair is removed; the mentee stays in the round." in said(response)
    assert not Proposal.objects.exists()
    page = text_of(board.get(reverse(CHANGE, args=[matching_round.pk])))
    assert "Mentees without a mentor (1)" in page
    assert "Removed from the proposals by the board." in page
    assert len(audited(AuditAction.MATCHING_ROUND_PAIR_CHANGED, matching_round)) == 1


def test_publishing_proposes_the_pairings_and_publishing_twice_is_refused(
    board: Client, board_member: User
) -> None:
    mentor = mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)

    response = board.post(url("publish", matching_round.pk))
    assert "1 pairing(s) proposed" in " ".join(said(response))
    pairing = Pairing.objects.get()
    assert (pairing.mentor, pairing.mentee, pairing.status) == (
        mentor,
        mentee,
        Pairing.Status.PROPOSED,
    )
    matching_round.refresh_from_db()
    assert matching_round.status == MatchingRound.Status.PUBLISHED
    assert len(audited(AuditAction.MATCHING_ROUND_PUBLISHED, matching_round)) == 1

    before = snapshot()
    response = board.post(url("publish", matching_round.pk))
    assert "This matching round has already been published." in said(response)
    assert snapshot() == before
    page = board.get(reverse(CHANGE, args=[matching_round.pk])).content.decode()
    assert url("publish", matching_round.pk) not in page
    assert url("swap", matching_round.pk, mentee.pk) not in page


def test_publishing_before_the_matching_is_refused(board: Client, board_member: User) -> None:
    matching_round = open_round(board_member, mentee_with_goals())
    response = board.post(url("publish", matching_round.pk))
    assert "Run the matching before publishing the round." in said(response)
    assert not Pairing.objects.exists()


def test_a_round_cannot_be_deleted(board: Client, board_member: User) -> None:
    matching_round = open_round(board_member)
    response = board.get(reverse("admin:mentoring_matchinground_delete", args=[matching_round.pk]))
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# How matching works


def test_how_matching_works_explains_each_part_with_the_boards_weights(board: Client) -> None:
    set_network(match_weights={"topics": 5})
    page = text_of(board.get(url("how")))
    for name, description in matching.PART_DESCRIPTIONS.items():
        assert f"{name} {' '.join(description.split())}" in page
    assert "5.0 (default 3.0)" in page
    assert "the same organisation" in page
    assert "assignment problem" in page


def settings_form(**changes: str) -> dict[str, str]:
    network = NetworkSettings.load()
    return {
        "name": network.name,
        "summary": network.summary,
        "eligibility": network.eligibility,
        "contact_email": network.contact_email or "board@example.org",
        "invitation_expiry_days": "14",
        "approvals_required": "1",
        "guidelines_version": "2026-11",
        "privacy_version": "2026-11",
        "audit_retention_days": str(network.audit_retention_days),
        "small_numbers_threshold": str(network.small_numbers_threshold),
        "categories-TOTAL_FORMS": "0",
        "categories-INITIAL_FORMS": "0",
        "sensitive_characteristics-TOTAL_FORMS": "0",
        "sensitive_characteristics-INITIAL_FORMS": "0",
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
        **changes,
    }


def test_the_board_keeps_the_topic_list_and_the_weights_in_the_network_settings(
    board: Client,
) -> None:
    response = board.post(
        reverse("admin:network_networksettings_change", args=[1]),
        settings_form(
            match_weights='{"topics": 4, "capacity": 0}',
            check_in_reminder_weeks="8",
            **{
                "mentoring_topics-TOTAL_FORMS": "2",
                "mentoring_topics-0-name": "Board governance",
                "mentoring_topics-0-position": "1",
                "mentoring_topics-1-name": "Digital and data",
                "mentoring_topics-1-position": "2",
            },
        ),
    )
    assert response.status_code == 302
    network = NetworkSettings.load()
    assert network.check_in_reminder_weeks == 8
    assert matching.weights()["topics"] == 4.0 and matching.weights()["capacity"] == 0.0
    assert list(MentoringTopic.objects.values_list("name", flat=True)) == [
        "Board governance",
        "Digital and data",
    ]


@pytest.mark.parametrize(
    "weights", ['["topics"]', '{"topics": -1}', '{"topics": "a lot"}', '{"topics": 1000}']
)
def test_weights_that_are_not_numbers_for_named_parts_are_refused(
    board: Client, weights: str
) -> None:
    response = board.post(
        reverse("admin:network_networksettings_change", args=[1]),
        settings_form(match_weights=weights),
    )
    assert response.status_code == 200
    assert "each a number from 0 to 100" in html.unescape(response.content.decode())
    assert NetworkSettings.load().match_weights == {}


def test_a_topic_name_twice_is_refused(board: Client) -> None:
    response = board.post(
        reverse("admin:network_networksettings_change", args=[1]),
        settings_form(
            **{
                "mentoring_topics-TOTAL_FORMS": "2",
                "mentoring_topics-0-name": "Board governance",
                "mentoring_topics-0-position": "1",
                "mentoring_topics-1-name": "Board governance",
                "mentoring_topics-1-position": "2",
            },
        ),
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert not MentoringTopic.objects.exists()


def test_a_topic_the_list_already_has_is_refused(board: Client) -> None:
    MentoringTopic.objects.create(settings=NetworkSettings.load(), name="Board governance")
    response = board.post(
        reverse("admin:network_networksettings_change", args=[1]),
        settings_form(
            **{
                "mentoring_topics-TOTAL_FORMS": "1",
                "mentoring_topics-0-name": "Board governance",
                "mentoring_topics-0-position": "1",
            },
        ),
    )
    assert response.status_code == 200
    assert "There is already a topic called" in html.unescape(response.content.decode())
    assert MentoringTopic.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Pairings and requests


def test_the_pairings_list_counts_check_ins_and_dates_the_last_without_the_notes(
    board: Client,
) -> None:
    pairing = active_pairing(started_on=london_today() - timedelta(days=60))
    for days in (50, 20):
        CheckIn.objects.create(
            pairing=pairing,
            held_on=london_today() - timedelta(days=days),
            format="video",
            notes="We talked about the finance committee.",
        )
    page = board.get(reverse("admin:mentoring_pairing_changelist"))
    cells = text_of(page)
    assert "finance committee" not in page.content.decode()
    last = london_today() - timedelta(days=20)
    assert f"{last.day} {last:%b}" in cells or last.strftime("%b. %-d") in cells
    assert re.search(r'<td class="field-check_ins">2</td>', page.content.decode())


def test_pairings_to_confirm_are_the_proposed_ones_with_who_they_wait_on(
    board: Client,
) -> None:
    waiting = Pairing.objects.create(
        mentor=mentor_with_offer(name="Mentor Waiting"),
        mentee=mentee_with_goals(name="Mentee Agreed"),
        origin=Pairing.Origin.ROUND,
        mentee_agreed_at=timezone.now(),
        proposed_at=timezone.now() - timedelta(days=4),
    )
    active_pairing(mentor_with_offer(name="Running Mentor"))
    page = text_of(
        board.get(reverse("admin:mentoring_pairing_changelist") + "?attention=to_confirm")
    )
    assert str(waiting.mentor) in page
    assert "the mentor, for 4 days" in page
    assert "Running Mentor" not in page


def test_stalled_pairings_are_active_ones_without_a_check_in_for_the_reminder_period(
    board: Client,
) -> None:
    set_network(check_in_reminder_weeks=6)
    quiet = active_pairing(
        mentor_with_offer(name="Quiet Mentor"), started_on=london_today() - timedelta(weeks=10)
    )
    CheckIn.objects.create(
        pairing=quiet, held_on=london_today() - timedelta(weeks=7), format="video"
    )
    active_pairing(
        mentor_with_offer(name="Never Met"), started_on=london_today() - timedelta(weeks=8)
    )
    lively = active_pairing(
        mentor_with_offer(name="Lively Mentor"), started_on=london_today() - timedelta(weeks=10)
    )
    CheckIn.objects.create(
        pairing=lively, held_on=london_today() - timedelta(weeks=1), format="video"
    )
    active_pairing(mentor_with_offer(name="Just Started"))
    page = text_of(board.get(reverse("admin:mentoring_pairing_changelist") + "?attention=stalled"))
    assert "Quiet Mentor" in page and "Never Met" in page
    assert "Lively Mentor" not in page and "Just Started" not in page


def test_the_mentoring_index_links_to_both_queues(board: Client) -> None:
    page = board.get(reverse("admin:app_list", args=["mentoring"])).content.decode()
    assert "?attention=to_confirm" in page and "?attention=stalled" in page
    assert url("how") in page


def test_the_board_ends_a_pairing_with_a_neutral_reason_on_the_record(
    board: Client, board_member: User
) -> None:
    pairing = active_pairing()
    page = board.get(reverse("admin:mentoring_pairing_end", args=[pairing.pk]))
    assert "The pairing has not got going" in page.content.decode()
    response = board.post(
        reverse("admin:mentoring_pairing_end", args=[pairing.pk]), {"reason": "not_started"}
    )
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ENDED_EARLY
    [event] = audited(AuditAction.PAIRING_ENDED_BY_BOARD, pairing)
    assert event.actor == board_member
    assert event.reason == "The pairing has not got going"


@pytest.mark.parametrize("reason", ["", "blame", "x" * 300])
def test_ending_a_pairing_needs_a_reason_from_the_list(board: Client, reason: str) -> None:
    pairing = active_pairing()
    before = snapshot()
    response = board.post(
        reverse("admin:mentoring_pairing_end", args=[pairing.pk]), {"reason": reason}
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert snapshot() == before


def test_ending_a_pairing_that_has_ended_is_refused_with_a_message(board: Client) -> None:
    pairing = active_pairing(status=Pairing.Status.COMPLETED)
    before = snapshot()
    response = board.post(
        reverse("admin:mentoring_pairing_end", args=[pairing.pk]), {"reason": "asked"}
    )
    assert response.status_code == 200
    assert "nothing to end" in response.content.decode()
    assert snapshot() == before


def test_pairings_and_requests_are_read_only(board: Client) -> None:
    pairing = active_pairing()
    request = MentoringRequest.objects.create(
        mentee=mentee_with_goals(), mentor=mentor_with_offer(), note="Hello"
    )
    for model, pk in (("pairing", pairing.pk), ("mentoringrequest", request.pk)):
        assert board.get(reverse(f"admin:mentoring_{model}_add")).status_code == 403
        assert board.get(reverse(f"admin:mentoring_{model}_delete", args=[pk])).status_code == 403
        before = snapshot()
        board.post(reverse(f"admin:mentoring_{model}_change", args=[pk]), {"status": "declined"})
        assert snapshot() == before


def test_the_requests_list_shows_status_and_how_long_it_has_waited(board: Client) -> None:
    MentoringRequest.objects.create(
        mentee=mentee_with_goals(name="Asking Mentee"),
        mentor=mentor_with_offer(name="Silent Mentor"),
        note="Could you help me with board papers?",
        waiting_since=timezone.now() - timedelta(days=6),
    )
    page = board.get(reverse("admin:mentoring_mentoringrequest_changelist"))
    text = text_of(page)
    assert "Asking Mentee" in text and "Silent Mentor" in text
    assert "Waiting for the mentor" in text and "6 days" in text
    assert "board papers" not in page.content.decode()


# ---------------------------------------------------------------------------------------------
# What the pair writes stays theirs

MARKER = "MARKER-PAIR-ONLY-5c1e"


def mentoring_admin_pages(round_id: int, pairing_id: int, request_id: int, mentee_id: int) -> Any:
    """Every page of the board site's mentoring section, with the ids filled in."""
    values = {
        "object_id": None,
        "pk": None,
        "mentee_pk": mentee_id,
        "app_label": "mentoring",
    }
    ids = {"matchinground": round_id, "pairing": pairing_id, "mentoringrequest": request_id}
    seen = set()
    for route in site_routes():
        if not route.route.startswith("board/mentoring/") and route.key != (
            "admin:app_list[mentoring]"
        ):
            continue
        if not route.key.startswith("admin:"):
            continue  # the old "<id>/" address, which leads to the change page
        model = re.match(r"board/mentoring/(\w+)/", route.route)
        record_id = ids[model.group(1)] if model else None
        filled = {**values, "object_id": record_id, "pk": record_id}
        seen.add(route.key)
        yield route.key, route.path({name: str(filled[name]) for name in route.params})


def test_what_the_pair_writes_has_no_admin_of_its_own() -> None:
    registered = {model.__name__ for model in admin.site._registry}
    assert {"MatchingRound", "Pairing", "MentoringRequest"} <= registered
    assert not registered & {"CheckIn", "FitAnswer", "CloseOut", "Proposal", "RoundEntry"}


def test_check_in_notes_and_request_words_never_reach_any_mentoring_admin_page(
    board: Client, board_member: User
) -> None:
    operator = MemberFactory()
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])
    as_operator = Client()
    sign_in_with_mfa(as_operator, operator)
    mentor = mentor_with_offer(capacity=3)
    mentee = mentee_with_goals()
    pairing = active_pairing(mentor, mentee, agreed_goals=f"{MARKER}-goals")
    CheckIn.objects.create(
        pairing=pairing, held_on=london_today(), format="video", notes=f"{MARKER}-check-in"
    )
    CloseOut.objects.create(
        pairing=pairing,
        member=mentee,
        goals_met="yes",
        would_recommend=True,
        for_the_record=f"{MARKER}-close-out",
    )
    request = MentoringRequest.objects.create(
        mentee=mentee_with_goals(),
        mentor=mentor,
        note=f"{MARKER}-request-note",
        question=f"{MARKER}-question",
        answer=f"{MARKER}-answer",
        status=MentoringRequest.Status.QUESTION,
    )
    matching_round = matched_round(board_member, request.mentee)
    pages = list(
        mentoring_admin_pages(matching_round.pk, pairing.pk, request.pk, request.mentee_id)
    )
    assert len(pages) > 20
    searches = [
        f"{reverse(f'admin:mentoring_{model}_changelist')}?q={MARKER}"
        for model in ("pairing", "mentoringrequest", "matchinground")
    ]
    for client in (board, as_operator):
        for key, path in pages:
            response = client.get(path)
            assert response.status_code in (200, 403, 405), key
            assert MARKER not in response.content.decode(), f"{key} ({path}) shows the marker"
        for path in searches:
            response = client.get(path)
            assert response.status_code == 200
            assert "0 results" in response.content.decode(), f"{path} finds the pair's words"
    # The control: the pair's words are there to be found.
    assert CheckIn.objects.filter(notes__contains=MARKER).exists()


def test_nobody_but_a_board_member_with_mfa_reaches_the_mentoring_pages(
    client: Client, board_member: User
) -> None:
    mentor_with_offer()
    mentee = mentee_with_goals()
    matching_round = matched_round(board_member, mentee)
    pairing = active_pairing()
    request = MentoringRequest.objects.create(
        mentee=mentee_with_goals(), mentor=mentor_with_offer(), note="Hello"
    )
    pages = [
        path
        for _, path in mentoring_admin_pages(matching_round.pk, pairing.pk, request.pk, mentee.pk)
    ]
    posts = [
        reverse("admin:mentoring_matchinground_add"),
        url("add_mentee", matching_round.pk),
        url("run", matching_round.pk),
        url("swap", matching_round.pk, mentee.pk),
        url("remove", matching_round.pk, mentee.pk),
        url("publish", matching_round.pk),
        reverse("admin:mentoring_pairing_end", args=[pairing.pk]),
    ]
    for person in (MemberFactory(), BoardMemberFactory()):  # the board member has no MFA
        client.force_login(person)
        for path in pages:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("admin:login")), path
        before = snapshot() | {
            "rounds": list(MatchingRound.objects.values()),
            "proposals": list(Proposal.objects.values()),
        }
        for path in posts:
            response = client.post(path, {"title": "Mine", "reason": "asked", "email": "a@b.org"})
            assert response.status_code == 302, path
        assert (
            snapshot()
            | {
                "rounds": list(MatchingRound.objects.values()),
                "proposals": list(Proposal.objects.values()),
            }
            == before
        )


def test_the_round_page_needs_no_more_queries_for_a_bigger_round(
    board: Client, board_member: User
) -> None:
    def count(matching_round: MatchingRound) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = board.get(reverse(CHANGE, args=[matching_round.pk]))
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        mentor_with_offer(capacity=2)
    small = matched_round(board_member, mentee_with_goals(), mentee_with_goals())
    big = matched_round(board_member, *[mentee_with_goals() for _ in range(8)])
    assert count(big) == count(small) <= 20
