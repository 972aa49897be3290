"""A member's mentoring in their data download, and what goes when they leave."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from members import services as members
from members.models import User
from mentoring import services
from mentoring.models import (
    CheckIn,
    CloseOut,
    DeclineReason,
    FitAnswer,
    MatchingRound,
    MentoringRequest,
    Pairing,
    Proposal,
    RoundEntry,
)
from mentoring.reputation import records_for
from network.models import OutboundEmail
from network.personal_data import export_for
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mentee_with_goals,
    mentor_with_offer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair() -> Pairing:
    """A running pairing with a check-in from each side, past the fit question."""
    mentor = mentor_with_offer(name="Siobhan Kelly", capacity=3)
    mentee = mentee_with_goals(name="Amara Okafor")
    pairing = active_pairing(mentor, mentee, started_on=london_today() - timedelta(weeks=5))
    services.record_check_in(
        pairing_id=pairing.pk,
        member=mentor,
        held_on=london_today(),
        format="video",
        notes="We read a board pack together.",
    )
    services.record_check_in(
        pairing_id=pairing.pk,
        member=mentee,
        held_on=london_today(),
        format="phone",
        notes="Practised the interview questions.",
    )
    services.answer_fit(pairing_id=pairing.pk, member=mentee, working=True)
    services.answer_fit(pairing_id=pairing.pk, member=mentor, working=False)
    return pairing


def told(template: str) -> list[str]:
    """Who was sent `template` (the leaver's own copy is kept as not needed)."""
    sent = OutboundEmail.objects.filter(template=template).exclude(
        status=OutboundEmail.Status.NOT_NEEDED
    )
    return sorted(sent.values_list("to_email", flat=True))


def downloaded(member: User) -> dict:  # type: ignore[type-arg]
    client = Client()
    client.force_login(member)
    response = client.get("/my-data/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return json.loads(body)["mentoring"]  # type: ignore[no-any-return]


def test_both_sides_download_the_pairing_with_the_pairs_check_in_notes(pair: Pairing) -> None:
    for member, role, partner in (
        (pair.mentor, "mentor", "Amara Okafor"),
        (pair.mentee, "mentee", "Siobhan Kelly"),
    ):
        data = downloaded(member)
        [pairing] = data["pairings"]
        assert (pairing["your_role"], pairing["partner"], pairing["status"]) == (
            role,
            partner,
            "Active",
        )
        notes = {c["notes"]: c["recorded_by_you"] for c in pairing["check_ins"]}
        assert notes == {
            "We read a board pack together.": role == "mentor",
            "Practised the interview questions.": role == "mentee",
        }


def test_each_side_downloads_only_their_own_fit_answer_and_close_out(pair: Pairing) -> None:
    services.end_pairing(pairing_id=pair.pk, member=pair.mentee)
    services.give_close_out(
        pairing_id=pair.pk,
        member=pair.mentee,
        goals_met="partly",
        would_recommend=True,
        for_the_record="Kind and practical.",
    )
    services.give_close_out(
        pairing_id=pair.pk,
        member=pair.mentor,
        goals_met="yes",
        would_recommend=False,
        for_the_record="MENTOR-ONLY-LINE",
    )
    mentee = downloaded(pair.mentee)
    assert [a["working"] for a in mentee["fit_answers"]] == [True]
    assert [c["for_the_record"] for c in mentee["close_outs"]] == ["Kind and practical."]
    assert "MENTOR-ONLY-LINE" not in json.dumps(mentee)
    mentor = downloaded(pair.mentor)
    assert [a["working"] for a in mentor["fit_answers"]] == [False]
    assert [c["for_the_record"] for c in mentor["close_outs"]] == ["MENTOR-ONLY-LINE"]


def test_requests_are_in_the_download_of_the_mentee_and_the_mentor_they_asked() -> None:
    mentor = mentor_with_offer(name="Mei Chen")
    mentee = mentee_with_goals(name="Grace Adeyemi")
    request = services.ask(mentee=mentee, mentor_id=mentor.pk, note="I would value your view.")
    services.ask_question(request_id=request.pk, mentor=mentor, question="Which board?")
    services.answer_question(request_id=request.pk, mentee=mentee, answer="A community trust.")
    [made] = downloaded(mentee)["requests_made"]
    assert (made["mentor"], made["note"], made["mentor_question"], made["your_answer"]) == (
        "Mei Chen",
        "I would value your view.",
        "Which board?",
        "A community trust.",
    )
    [received] = downloaded(mentor)["requests_received"]
    assert (received["mentee"], received["note"], received["mentee_answer"]) == (
        "Grace Adeyemi",
        "I would value your view.",
        "A community trust.",
    )
    assert downloaded(mentor)["requests_made"] == []


def test_someone_outside_the_pair_downloads_none_of_it(pair: Pairing) -> None:
    outsider = mentor_with_offer()
    data = export_for(outsider)["mentoring"]
    assert data["pairings"] == [] and data["fit_answers"] == []
    assert "board pack" not in json.dumps(export_for(outsider))


def test_erasing_a_mentor_ends_the_pairing_frees_the_mentee_and_tells_them_neutrally(
    pair: Pairing, django_capture_on_commit_callbacks
) -> None:
    mentor, mentee = pair.mentor, pair.mentee
    with django_capture_on_commit_callbacks(execute=True):
        members.delete_account(user=mentor)
    pair.refresh_from_db()
    assert pair.status == Pairing.Status.ENDED_EARLY
    assert not Pairing.objects.live().filter(mentee=mentee).exists()
    assert told("mentoring/pairing_ended") == [mentee.email]
    # The mentee keeps the pair's check-ins, all of them; the leaver's name is gone from theirs.
    kept = CheckIn.objects.filter(pairing=pair)
    assert kept.count() == 2
    assert kept.get(notes="We read a board pack together.").recorded_by is None
    assert [a.member_id for a in FitAnswer.objects.filter(pairing=pair, working=False)] == [None]
    # The mentee can ask someone new straight away.
    other = mentor_with_offer()
    services.ask(mentee=mentee, mentor_id=other.pk, note="Could you mentor me?")
    data = downloaded(mentee)
    assert len(data["pairings"][0]["check_ins"]) == 2


def test_erasing_a_member_closes_their_requests_and_takes_their_words(
    django_capture_on_commit_callbacks,
) -> None:
    leaver = mentor_with_offer(
        name="Rhiannon Evans", profile={"organisation": "Cardiff and Vale University Health Board"}
    )
    asked = mentor_with_offer()
    waiting_mentee = mentee_with_goals()
    made = services.ask(mentee=leaver, mentor_id=asked.pk, note="Leaver's own words")
    received = services.ask(mentee=waiting_mentee, mentor_id=leaver.pk, note="Please help")
    services.ask_question(request_id=received.pk, mentor=leaver, question="Leaver's question")
    with django_capture_on_commit_callbacks(execute=True):
        members.delete_account(user=leaver)
    made.refresh_from_db()
    received.refresh_from_db()
    assert (made.status, made.note) == (MentoringRequest.Status.WITHDRAWN, "")
    assert received.status == MentoringRequest.Status.DECLINED
    assert received.decline_reason == DeclineReason.NO_CAPACITY
    assert received.question == ""
    assert told("mentoring/request_declined") == [waiting_mentee.email]
    assert not MentoringRequest.objects.open().exists()


def test_erasing_a_member_declines_proposed_pairings_and_leaves_unpublished_rounds(
    django_capture_on_commit_callbacks,
) -> None:
    leaver = mentee_with_goals()
    mentor = mentor_with_offer()
    proposed = active_pairing(
        mentor, leaver, status=Pairing.Status.PROPOSED, started_on=None, ends_on=None
    )
    Pairing.objects.filter(pk=proposed.pk).update(ends_on=None, started_on=None)
    open_round = MatchingRound.objects.create(title="Spring round")
    RoundEntry.objects.create(round=open_round, mentee=leaver)
    published = MatchingRound.objects.create(title="Winter round", status="published")
    RoundEntry.objects.create(round=published, mentee=leaver)
    matched = MatchingRound.objects.create(title="Summer round", status="matched")
    Proposal.objects.create(round=matched, mentor=mentor, mentee=leaver, score=0.8)
    with django_capture_on_commit_callbacks(execute=True):
        members.delete_account(user=leaver)
    proposed.refresh_from_db()
    assert proposed.status == Pairing.Status.DECLINED
    assert told("mentoring/pairing_declined") == [mentor.email]
    # What was queued for the leaver themselves is not needed: the address is gone.
    assert not OutboundEmail.objects.filter(
        template="mentoring/pairing_declined", status=OutboundEmail.Status.FAILED
    ).exists()
    assert list(RoundEntry.objects.values_list("round__title", flat=True)) == ["Winter round"]
    assert not Proposal.objects.exists()


def test_a_close_out_given_before_leaving_still_counts_for_the_mentor(
    pair: Pairing,
) -> None:
    services.end_pairing(pairing_id=pair.pk, member=pair.mentor)
    services.give_close_out(
        pairing_id=pair.pk,
        member=pair.mentee,
        goals_met="yes",
        would_recommend=True,
        for_the_record="",
    )
    members.delete_account(user=pair.mentee)
    close_out = CloseOut.objects.get(pairing=pair)
    assert close_out.member is None and close_out.would_recommend
    assert records_for([pair.mentor_id])[pair.mentor_id].positive_close_outs == 1
