"""Members' mentoring pages: what each side of a request or a pairing sees, what nobody else
sees, the buttons that take POST only, and the rules' refusals shown on the page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.demo import create_many
from members.models import MentoringStatus, Profile, User
from members.privacy import Visibility
from mentoring import services
from mentoring.demo import create_many_pairings
from mentoring.models import CheckIn, FitAnswer, MatchingRound, MentoringRequest, Pairing
from mentoring.views import forget_suggestions
from tests.factories import PASSWORD, BoardMemberFactory, MemberFactory, enable_totp
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mentee_with_goals,
    mentor_with_offer,
    set_network,
    snapshot,
    topic,
)

pytestmark = pytest.mark.django_db

NOTES = "NOTES-ONLY-THE-PAIR-5c1e"


def page(client: Client, name: str, *args: object) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def open_request(mentor: User | None = None, mentee: User | None = None) -> MentoringRequest:
    return services.ask(
        mentee=mentee or mentee_with_goals(),
        mentor_id=(mentor or mentor_with_offer()).pk,
        note="I would like help getting ready for a board role.",
    )


class TestOfferAndGoals:
    def test_a_mentor_saves_an_offer_with_topics_from_the_boards_list(self) -> None:
        member = MemberFactory()
        governance, finance = topic("Board governance"), topic("Finance")
        response = signed_in(member).post(
            reverse("mentoring:offer"),
            {
                "mentoring_status": "accepting",
                "mentoring_capacity": "3",
                "offered_topics": [governance.pk, finance.pk],
                "mentoring_topics": "audit committees",
                "mentoring_formats": ["video", "phone"],
            },
        )
        assert response.status_code == 302
        profile = Profile.objects.get(user=member)
        assert profile.mentoring_status == MentoringStatus.ACCEPTING
        assert profile.mentoring_capacity == 3
        assert set(profile.offered_topics.all()) == {governance, finance}
        assert profile.mentoring_formats == ["video", "phone"]
        home = page(signed_in(member), "mentoring:home")
        assert "Board governance" in home and "Up to 3" in home

    @pytest.mark.parametrize(
        ("capacity", "words"),
        [
            ("0", "from 1 to 10"),
            ("", "from 1 to 10"),
            ("1000", "at most 10 mentees"),
            ("-1", "from 1 to 10"),
            ("three", "from 1 to 10"),
        ],
    )
    def test_a_capacity_out_of_range_gets_a_clear_message_and_changes_nothing(
        self, capacity: str, words: str
    ) -> None:
        member = MemberFactory()
        before = snapshot()
        response = signed_in(member).post(
            reverse("mentoring:offer"),
            {"mentoring_status": "accepting", "mentoring_capacity": capacity},
        )
        assert response.status_code == 200
        shown = response.content.decode()
        assert "There is a problem" in shown and words in shown
        assert snapshot() == before

    def test_a_topic_that_is_not_on_the_list_is_refused(self) -> None:
        member = MemberFactory()
        response = signed_in(member).post(
            reverse("mentoring:offer"),
            {"mentoring_status": "paused", "offered_topics": ["999999"]},
        )
        assert "Choose topics from the list" in response.content.decode()
        assert not Profile.objects.get(user=member).offered_topics.exists()

    def test_a_mentee_saves_goals_and_preferences(self) -> None:
        member = MemberFactory()
        digital = topic("Digital strategy")
        response = signed_in(member).post(
            reverse("mentoring:goals"),
            {
                "mentoring_goals": "A director post within two years.",
                "wanted_topics": [digital.pk],
                "preferred_format": "in_person",
                "preferred_profession": "other",
                "preferred_category": "same",
                "mentor_from_own_organisation": "on",
            },
        )
        assert response.status_code == 302
        profile = Profile.objects.get(user=member)
        assert profile.mentoring_goals == "A director post within two years."
        assert list(profile.wanted_topics.all()) == [digital]
        assert profile.preferred_profession == "other"
        assert profile.mentor_from_own_organisation

    @pytest.mark.parametrize(
        ("name", "field", "limit"),
        [
            ("mentoring:offer", "mentoring_topics", "500"),
            ("mentoring:goals", "mentoring_goals", "2,000"),
            ("mentoring:goals", "mentoring_needs_topics", "500"),
        ],
    )
    def test_text_longer_than_its_limit_is_refused(self, name: str, field: str, limit: str) -> None:
        member = MemberFactory()
        before = snapshot()
        response = signed_in(member).post(
            reverse(name), {"mentoring_status": "not_offered", field: "word " * 100_000}
        )
        assert f"must be {limit} characters or fewer" in response.content.decode()
        assert snapshot() == before

    def test_the_pages_point_to_the_profiles_privacy_settings(self) -> None:
        client = signed_in(MemberFactory())
        for name in ("mentoring:offer", "mentoring:goals"):
            assert reverse("members:edit_profile") in page(client, name)
        edit = page(client, "members:edit_profile")
        assert reverse("mentoring:offer") in edit and reverse("mentoring:goals") in edit
        assert "Who can see your mentoring offer" in edit


class TestAsking:
    def test_the_ask_page_shows_the_mentors_card_and_a_note_form(self) -> None:
        mentor = mentor_with_offer(name="Siobhan Kelly")
        mentee = mentee_with_goals()
        shown = page(signed_in(mentee), "mentoring:ask", mentor.pk)
        assert "Ask Siobhan Kelly to mentor you" in shown
        assert "Chief Nurse" in shown
        assert 'name="note"' in shown

    def test_asking_sends_the_request_and_shows_it_waiting(self) -> None:
        mentor = mentor_with_offer(name="Siobhan Kelly")
        mentee = mentee_with_goals()
        client = signed_in(mentee)
        response = client.post(
            reverse("mentoring:ask", args=[mentor.pk]), {"note": "Could you help me?"}
        )
        made = MentoringRequest.objects.get()
        assert response["Location"] == reverse("mentoring:request", args=[made.pk])
        assert "Waiting for an answer since" in page(client, "mentoring:request", made.pk)

    def test_a_paused_mentor_cannot_be_asked_and_the_page_says_why(self) -> None:
        mentor = mentor_with_offer(status=MentoringStatus.PAUSED)
        client = signed_in(mentee_with_goals())
        shown = page(client, "mentoring:ask", mentor.pk)
        assert "not taking on mentees just now" in shown
        assert 'name="note"' not in shown
        before = snapshot()
        response = client.post(reverse("mentoring:ask", args=[mentor.pk]), {"note": "Please?"})
        assert "not taking on mentees just now" in response.content.decode()
        assert snapshot() == before

    def test_a_fourth_open_request_is_refused_with_a_clear_message(self) -> None:
        set_network(max_open_requests=3)
        mentee = mentee_with_goals()
        for _ in range(3):
            open_request(mentee=mentee)
        fourth = mentor_with_offer()
        before = snapshot()
        response = signed_in(mentee).post(
            reverse("mentoring:ask", args=[fourth.pk]), {"note": "One more?"}
        )
        assert response.status_code == 200
        assert "as many open requests as the network allows" in response.content.decode()
        assert snapshot() == before

    def test_an_empty_note_is_refused(self) -> None:
        mentor = mentor_with_offer()
        response = signed_in(mentee_with_goals()).post(
            reverse("mentoring:ask", args=[mentor.pk]), {"note": ""}
        )
        assert "Write a short note" in response.content.decode()
        assert not MentoringRequest.objects.exists()


class TestRequests:
    def test_the_mentor_sees_the_note_and_can_accept_decline_or_ask(self) -> None:
        asked = open_request()
        mentor_page = page(signed_in(asked.mentor), "mentoring:request", asked.pk)
        assert asked.note in mentor_page
        for name in ("accept_request", "decline_request", "ask_question"):
            assert reverse(f"mentoring:{name}", args=[asked.pk]) in mentor_page
        home = page(signed_in(asked.mentor), "mentoring:home")
        assert asked.note in home and "Requests for you to answer" in home

    def test_the_mentee_sees_their_request_and_can_withdraw_it(self) -> None:
        asked = open_request()
        shown = page(signed_in(asked.mentee), "mentoring:request", asked.pk)
        assert reverse("mentoring:withdraw_request", args=[asked.pk]) in shown
        assert reverse("mentoring:accept_request", args=[asked.pk]) not in shown

    def test_anyone_else_gets_not_found_for_the_page_and_every_action(self) -> None:
        asked = open_request()
        board = BoardMemberFactory()
        enable_totp(board)
        strangers = (MemberFactory(), board)
        before = snapshot()
        for stranger in strangers:
            client = signed_in(stranger)
            assert client.get(reverse("mentoring:request", args=[asked.pk])).status_code == 404
            for name in (
                "withdraw_request",
                "accept_request",
                "decline_request",
                "ask_question",
                "answer_question",
            ):
                response = client.post(
                    reverse(f"mentoring:{name}", args=[asked.pk]),
                    {"reason": "personal", "question": "Why?", "answer": "Because."},
                )
                assert response.status_code == 404, name
        assert snapshot() == before

    def test_accepting_starts_the_pairing_and_leads_to_its_page(self) -> None:
        asked = open_request()
        response = signed_in(asked.mentor).post(
            reverse("mentoring:accept_request", args=[asked.pk])
        )
        pairing = Pairing.objects.get()
        assert pairing.status == Pairing.Status.ACTIVE
        assert response["Location"] == reverse("mentoring:pairing", args=[pairing.pk])

    def test_declining_needs_a_reason_and_the_mentee_reads_a_kind_message(self) -> None:
        asked = open_request()
        mentor = signed_in(asked.mentor)
        response = mentor.post(reverse("mentoring:decline_request", args=[asked.pk]), {})
        assert "Choose a reason from the list" in response.content.decode()
        mentor.post(
            reverse("mentoring:decline_request", args=[asked.pk]), {"reason": "no_capacity"}
        )
        shown = page(signed_in(asked.mentee), "mentoring:request", asked.pk)
        assert "free to ask someone else" in shown
        assert "I do not have the time" not in shown

    def test_a_question_and_its_answer_reach_the_other_side(self) -> None:
        asked = open_request()
        signed_in(asked.mentor).post(
            reverse("mentoring:ask_question", args=[asked.pk]),
            {"question": "Which board are you aiming for?"},
        )
        mentee = signed_in(asked.mentee)
        shown = page(mentee, "mentoring:request", asked.pk)
        assert "Which board are you aiming for?" in shown and 'name="answer"' in shown
        mentee.post(
            reverse("mentoring:answer_question", args=[asked.pk]), {"answer": "A trust board."}
        )
        assert "A trust board." in page(signed_in(asked.mentor), "mentoring:request", asked.pk)

    def test_accepting_a_lapsed_request_is_refused_and_changes_nothing(self) -> None:
        asked = open_request()
        MentoringRequest.objects.filter(pk=asked.pk).update(status=MentoringRequest.Status.LAPSED)
        before = snapshot()
        client = signed_in(asked.mentor)
        response = client.post(reverse("mentoring:accept_request", args=[asked.pk]), follow=True)
        assert "lapsed" in response.content.decode()
        assert snapshot() == before
        mentee_page = page(signed_in(asked.mentee), "mentoring:request", asked.pk)
        assert "you are free to ask someone else" in mentee_page

    @pytest.mark.parametrize(
        "name",
        [
            "withdraw_request",
            "accept_request",
            "decline_request",
            "ask_question",
            "answer_question",
        ],
    )
    def test_actions_take_post_only(self, name: str) -> None:
        asked = open_request()
        response = signed_in(asked.mentor).get(reverse(f"mentoring:{name}", args=[asked.pk]))
        assert response.status_code == 405


class TestPairings:
    def test_each_side_sees_the_pairing_and_its_check_in_notes(self) -> None:
        pairing = active_pairing()
        CheckIn.objects.create(pairing=pairing, held_on=london_today(), format="video", notes=NOTES)
        for member in (pairing.mentor, pairing.mentee):
            shown = page(signed_in(member), "mentoring:pairing", pairing.pk)
            assert NOTES in shown
            assert reverse("mentoring:check_in", args=[pairing.pk]) in shown

    def test_anyone_else_gets_not_found_the_board_included(self) -> None:
        pairing = active_pairing()
        board = BoardMemberFactory()
        enable_totp(board)
        strangers = (MemberFactory(), board)
        before = snapshot()
        for stranger in strangers:
            client = signed_in(stranger)
            assert client.get(reverse("mentoring:pairing", args=[pairing.pk])).status_code == 404
            for name in (
                "agree",
                "decline_pairing",
                "check_in",
                "fit",
                "end_pairing",
                "extend",
                "close_out",
            ):
                response = client.post(
                    reverse(f"mentoring:{name}", args=[pairing.pk]),
                    {"held_on": "01/01/2026", "format": "video", "working": "no"},
                )
                assert response.status_code == 404, name
        assert snapshot() == before

    def test_check_in_notes_never_appear_on_any_page_a_third_member_opens(self) -> None:
        pairing = active_pairing()
        signed_in(pairing.mentee).post(
            reverse("mentoring:check_in", args=[pairing.pk]),
            {"held_on": london_today().strftime("%d/%m/%Y"), "format": "video", "notes": NOTES},
        )
        assert CheckIn.objects.get().notes == NOTES
        third = signed_in(MemberFactory())
        for path in [
            reverse("mentoring:home"),
            reverse("members:home"),
            reverse("mentoring:ask", args=[pairing.mentor.pk]),
            reverse("members:profile", args=[pairing.mentor.pk]),
            reverse("members:profile", args=[pairing.mentee.pk]),
            reverse("mentoring:pairing", args=[pairing.pk]),
        ]:
            assert NOTES not in third.get(path).content.decode(), path

    def test_a_check_in_in_the_future_is_refused_on_the_form(self) -> None:
        pairing = active_pairing()
        before = snapshot()
        tomorrow = london_today() + timedelta(days=1)
        response = signed_in(pairing.mentor).post(
            reverse("mentoring:check_in", args=[pairing.pk]),
            {"held_on": tomorrow.strftime("%d/%m/%Y"), "format": "video"},
        )
        assert "cannot be dated in the future" in response.content.decode()
        assert snapshot() == before

    def test_the_fit_question_shows_once_due_and_a_no_offers_new_mentors_and_an_end(
        self,
    ) -> None:
        set_network(fit_question_weeks=3)
        pairing = active_pairing(started_on=london_today() - timedelta(weeks=4))
        mentee = signed_in(pairing.mentee)
        shown = page(mentee, "mentoring:pairing", pairing.pk)
        assert reverse("mentoring:fit", args=[pairing.pk]) in shown
        mentor_with_offer(name="Another Mentor")
        mentee.post(reverse("mentoring:fit", args=[pairing.pk]), {"working": "no"})
        assert FitAnswer.objects.get().working is False
        shown = page(mentee, "mentoring:pairing", pairing.pk)
        assert reverse("mentoring:fit", args=[pairing.pk]) not in shown
        assert "without blame" in shown
        assert "Other mentors you could ask" in shown
        # The answer is private: the mentor is not told it.
        assert "You said this is not working" not in page(
            signed_in(pairing.mentor), "mentoring:pairing", pairing.pk
        )

    def test_the_fit_question_is_not_asked_in_the_first_weeks(self) -> None:
        set_network(fit_question_weeks=3)
        pairing = active_pairing()
        shown = page(signed_in(pairing.mentee), "mentoring:pairing", pairing.pk)
        assert reverse("mentoring:fit", args=[pairing.pk]) not in shown

    def test_ending_then_closing_out(self) -> None:
        pairing = active_pairing()
        mentor = signed_in(pairing.mentor)
        mentor.post(reverse("mentoring:end_pairing", args=[pairing.pk]))
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.ENDED_EARLY
        shown = page(mentor, "mentoring:pairing", pairing.pk)
        assert reverse("mentoring:close_out", args=[pairing.pk]) in shown
        assert reverse("mentoring:check_in", args=[pairing.pk]) not in shown
        mentor.post(
            reverse("mentoring:close_out", args=[pairing.pk]),
            {"goals_met": "partly", "would_recommend": "yes", "for_the_record": "Promoted"},
        )
        assert "You have given your close-out feedback" in page(
            mentor, "mentoring:pairing", pairing.pk
        )

    def test_ending_twice_is_refused_with_a_message(self) -> None:
        pairing = active_pairing()
        client = signed_in(pairing.mentee)
        client.post(reverse("mentoring:end_pairing", args=[pairing.pk]))
        before = snapshot()
        response = client.post(reverse("mentoring:end_pairing", args=[pairing.pk]), follow=True)
        assert "This pairing is not running." in response.content.decode()
        assert snapshot() == before

    def test_a_proposed_pairing_shows_agree_and_decline_until_both_agree(self) -> None:
        pairing = active_pairing(
            status=Pairing.Status.PROPOSED,
            origin=Pairing.Origin.ROUND,
            started_on=None,
            mentor_agreed_at=None,
            mentee_agreed_at=None,
        )
        Pairing.objects.filter(pk=pairing.pk).update(started_on=None, ends_on=None)
        mentor = signed_in(pairing.mentor)
        shown = page(mentor, "mentoring:pairing", pairing.pk)
        assert reverse("mentoring:agree", args=[pairing.pk]) in shown
        assert reverse("mentoring:decline_pairing", args=[pairing.pk]) in shown
        mentor.post(reverse("mentoring:agree", args=[pairing.pk]))
        assert "once" in page(mentor, "mentoring:pairing", pairing.pk)
        signed_in(pairing.mentee).post(reverse("mentoring:agree", args=[pairing.pk]))
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.ACTIVE

    def test_asking_to_extend_is_remembered(self) -> None:
        pairing = active_pairing()
        client = signed_in(pairing.mentee)
        client.post(reverse("mentoring:extend", args=[pairing.pk]))
        pairing.refresh_from_db()
        assert pairing.mentee_wants_extension
        assert "You have asked to carry on" in page(client, "mentoring:pairing", pairing.pk)

    @pytest.mark.parametrize(
        "name",
        ["agree", "decline_pairing", "check_in", "fit", "end_pairing", "extend", "close_out"],
    )
    def test_actions_take_post_only(self, name: str) -> None:
        pairing = active_pairing()
        response = signed_in(pairing.mentor).get(reverse(f"mentoring:{name}", args=[pairing.pk]))
        assert response.status_code == 405


class TestHome:
    def test_a_suggestion_shows_reasons_and_an_ask_button(self) -> None:
        mentor = mentor_with_offer(name="Siobhan Kelly")
        mentee = mentee_with_goals()
        shown = page(signed_in(mentee), "mentoring:home")
        assert "Siobhan Kelly" in shown
        assert reverse("mentoring:ask", args=[mentor.pk]) in shown
        assert "Why we suggest them" in shown

    def test_a_suggestion_shows_only_what_the_mentor_shows_members(self) -> None:
        mentor = mentor_with_offer(profile={"job_title": "HIDDEN-TITLE-91"})
        profile = Profile.objects.get(user=mentor)
        profile.visibility = {**profile.visibility, "job_title": Visibility.ONLY_ME}
        profile.save()
        shown = page(signed_in(mentee_with_goals()), "mentoring:home")
        assert "HIDDEN-TITLE-91" not in shown

    def test_a_member_joins_an_open_round(self) -> None:
        matching_round = MatchingRound.objects.create(title="Spring round")
        client = signed_in(mentee_with_goals())
        assert "Spring round" in page(client, "mentoring:home")
        client.post(reverse("mentoring:join_round", args=[matching_round.pk]))
        assert matching_round.entries.count() == 1
        assert "You have joined this round" in page(client, "mentoring:home")
        assert (
            client.get(reverse("mentoring:join_round", args=[matching_round.pk])).status_code == 405
        )

    def test_the_members_home_page_shows_requests_to_answer(self) -> None:
        asked = open_request()
        shown = page(signed_in(asked.mentor), "members:home")
        assert "A member has asked you to mentor them" in shown
        assert reverse("mentoring:home") in shown

    def test_an_operator_without_a_profile_gets_a_clear_page(self) -> None:
        operator = User.objects.create_superuser(email="op@example.org", password="x" * 20)
        client = signed_in(operator)
        for name in ("mentoring:home", "mentoring:offer", "mentoring:goals"):
            assert "Mentoring is for members with a profile" in page(client, name)
        asked = open_request()
        response = client.post(reverse("mentoring:accept_request", args=[asked.pk]))
        assert response.status_code == 403
        assert MentoringRequest.objects.get().status == MentoringRequest.Status.WAITING


def queries(client: Client, member: User, path: str) -> int:
    """A page's queries on a second visit (the network settings cached, as on a server), with
    the member's suggestions worked out afresh: the costlier first view is the one counted."""
    client.get(path)
    forget_suggestions(member)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


def grow_network(member: User, pairing: Pairing) -> None:
    """A thousand more members, three hundred of them mentors with room, and 20,000 pairings
    between them all with two check-ins each, in bulk; and more of everything around `member`:
    requests to and from them in every state, pairings either way, check-ins and rounds."""
    create_many(1000, password=PASSWORD, email_prefix="crowd")
    crowd = list(Profile.objects.filter(user__email__startswith="crowd").select_related("user"))
    for profile in crowd[:300]:
        profile.mentoring_status = MentoringStatus.ACCEPTING
        profile.mentoring_capacity = 3
        profile.visibility = {**profile.visibility, "mentoring_offer": Visibility.MEMBERS}
    Profile.objects.bulk_update(
        crowd[:300], ["mentoring_status", "mentoring_capacity", "visibility"]
    )
    assert create_many_pairings(20_000) == 20_000
    statuses = list(MentoringRequest.Status)
    MentoringRequest.objects.bulk_create(
        MentoringRequest(mentee=mentee, mentor=mentor, note="Could you help?", status=status)
        for n, profile in enumerate(crowd[:200])
        for mentee, mentor in ((profile.user, member), (member, profile.user))
        for status in [statuses[n % len(statuses)]]
    )
    for n in range(5):
        CheckIn.objects.create(pairing=pairing, held_on=london_today(), format="phone", notes="y")
        active_pairing(mentor=mentor_with_offer(), mentee=member)
        MatchingRound.objects.create(title=f"Round {n}")


def test_every_mentoring_page_makes_the_same_few_queries_at_20000_pairings() -> None:
    member = mentor_with_offer(capacity=10)
    mentoring = active_pairing(mentor=member, mentee=mentee_with_goals())
    CheckIn.objects.create(pairing=mentoring, held_on=london_today(), format="video", notes="x")
    # A pairing where the member, as mentee, said it is not working: new suggestions show on it.
    mentored = active_pairing(mentor=mentor_with_offer(), mentee=member)
    FitAnswer.objects.create(pairing=mentored, member=member, working=False)
    suggested = mentor_with_offer(
        name="Siobhan Kelly", profile={"organisation": "Bristol Community Health"}
    )
    asked = open_request(mentor=member)
    own = MentoringRequest.objects.create(mentee=member, mentor=suggested, note="Could you help?")
    MatchingRound.objects.create(title="Spring round")
    client = signed_in(member)
    paths = [
        reverse("mentoring:home"),
        reverse("mentoring:pairing", args=[mentoring.pk]),
        reverse("mentoring:pairing", args=[mentored.pk]),
        reverse("mentoring:request", args=[asked.pk]),
        reverse("mentoring:request", args=[own.pk]),
        reverse("mentoring:ask", args=[suggested.pk]),
        reverse("mentoring:offer"),
        reverse("mentoring:goals"),
        reverse("members:home"),
    ]
    small = {path: queries(client, member, path) for path in paths}
    # A control: the suggestions were really worked out on the pages that show them.
    forget_suggestions(member)
    assert "Siobhan Kelly" in page(client, "mentoring:pairing", mentored.pk)
    grow_network(member, mentoring)
    assert Pairing.objects.count() > 20_000
    large = {path: queries(client, member, path) for path in paths}
    assert large == small
    assert max(large.values()) <= 10, large
