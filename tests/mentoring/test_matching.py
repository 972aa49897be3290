"""The match score, its reasons, the rules that keep pairs apart, suggestions, and the solver
that assigns many mentees at once."""

import itertools
import random
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from members.models import (
    CareerStage,
    MentoringFormat,
    MentoringStatus,
    Profession,
    ProfessionPreference,
    Profile,
    Region,
    User,
)
from members.privacy import DEFAULTS, Visibility
from mentoring import matching
from mentoring.matching import FORBIDDEN, solve, suggestions
from mentoring.models import MentoringRequest, Pairing
from tests.mentoring.support import (
    active_pairing,
    mentee_with_goals,
    mentor_with_offer,
    set_network,
    topic,
)

# ---------------------------------------------------------------------------------------------
# The solver


def brute_force(cost: np.ndarray, capacities: list[int]) -> tuple[int, float]:
    """The best (most matched, then lowest total cost) of every possible assignment."""
    mentees, mentors = cost.shape
    best: tuple[int, float] | None = None
    for choice in itertools.product([None, *range(mentors)], repeat=mentees):
        used = [choice.count(column) for column in range(mentors)]
        if any(used[column] > capacities[column] for column in range(mentors)):
            continue
        if any(c is not None and cost[row, c] >= FORBIDDEN for row, c in enumerate(choice)):
            continue
        matched = sum(c is not None for c in choice)
        total = sum(cost[row, c] for row, c in enumerate(choice) if c is not None)
        if best is None or (-matched, total) < (-best[0], best[1]):
            best = (matched, float(total))
    assert best is not None
    return best


def outcome(cost: np.ndarray, assignment: list[int | None]) -> tuple[int, float]:
    matched = [(row, column) for row, column in enumerate(assignment) if column is not None]
    return len(matched), float(sum(cost[row, column] for row, column in matched))


def greedy(cost: np.ndarray, capacities: list[int]) -> list[int | None]:
    """Best pair first, as a simple loop would do it."""
    left = list(capacities)
    assignment: list[int | None] = [None] * cost.shape[0]
    for row, column in sorted(np.ndindex(*cost.shape), key=lambda cell: cost[cell]):
        if assignment[row] is None and left[column] > 0 and cost[row, column] < FORBIDDEN:
            assignment[row], left[column] = column, left[column] - 1
    return assignment


def test_solver_finds_the_best_assignment_of_every_small_instance() -> None:
    rng = random.Random(2026)  # noqa: S311  (a seeded, repeatable set of instances)
    for _ in range(300):
        mentees, mentors = rng.randint(1, 5), rng.randint(1, 3)
        capacities = [rng.randint(1, 2) for _ in range(mentors)]
        cost = np.array(
            [
                [
                    FORBIDDEN if rng.random() < 0.25 else -round(rng.uniform(0, 9), 2)
                    for _ in range(mentors)
                ]
                for _ in range(mentees)
            ]
        )
        found = outcome(cost, solve(cost, capacities))
        best = brute_force(cost, capacities)
        assert found[0] == best[0]
        assert found[1] == pytest.approx(best[1])


def test_solver_beats_best_pair_first_where_that_leaves_someone_worse_off() -> None:
    # Ada suits both mentors; Ben suits only the first. Best pair first gives Ada the first
    # mentor and Ben a poor second; the solver gives each a good mentor.
    cost = -np.array([[10.0, 9.0], [9.0, 1.0]])
    capacities = [1, 1]

    assert greedy(cost, capacities) == [0, 1]
    assert outcome(cost, greedy(cost, capacities)) == (2, -11.0)
    assert solve(cost, capacities) == [1, 0]
    assert outcome(cost, solve(cost, capacities)) == (2, -18.0)


def test_solver_matches_more_mentees_where_best_pair_first_strands_one() -> None:
    # Best pair first takes Ada's favourite, the only mentor Ben may have.
    cost = np.array([[-10.0, -1.0], [-1.0, FORBIDDEN]])

    assert greedy(cost, [1, 1]) == [0, None]
    assert solve(cost, [1, 1]) == [1, 0]


def test_solver_leaves_a_mentee_unmatched_rather_than_give_a_forbidden_mentor() -> None:
    cost = np.array([[FORBIDDEN, np.inf], [-3.0, -2.0]])

    assert solve(cost, [1, 1]) == [None, 0]


def test_solver_handles_no_mentees_no_room_and_a_bad_matrix() -> None:
    assert solve(np.zeros((0, 2)), [1, 1]) == []
    assert solve(-np.ones((2, 2)), [0, 0]) == [None, None]
    with pytest.raises(ValueError, match="one column per mentor"):
        solve(np.zeros((2, 3)), [1, 1])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda mentees: st.integers(1, 5).flatmap(
            lambda mentors: st.tuples(
                st.lists(
                    st.lists(
                        st.one_of(st.just(FORBIDDEN), st.floats(-10, 0)),
                        min_size=mentors,
                        max_size=mentors,
                    ),
                    min_size=mentees,
                    max_size=mentees,
                ),
                st.lists(st.integers(0, 3), min_size=mentors, max_size=mentors),
            )
        )
    )
)
def test_solver_never_proposes_a_forbidden_pair_nor_fills_a_mentor_past_capacity(
    instance: tuple[list[list[float]], list[int]],
) -> None:
    rows, capacities = instance
    cost = np.array(rows)
    assignment = solve(cost, capacities)

    assert len(assignment) == len(rows)
    for row, column in enumerate(assignment):
        if column is not None:
            assert cost[row, column] < FORBIDDEN
    for column, capacity in enumerate(capacities):
        assert assignment.count(column) <= capacity


# ---------------------------------------------------------------------------------------------
# The score and its reasons


@pytest.fixture
def network(db: None) -> None:
    set_network(match_weights={})


def show(member: User, **audiences: str) -> None:
    profile = member.profile
    profile.visibility = {**profile.visibility, **audiences}
    profile.save()


def only_suggestion(mentee: User) -> matching.Suggestion:
    [suggestion] = suggestions(mentee=mentee)
    return suggestion


def test_reasons_say_in_words_what_the_pair_share(network: None) -> None:
    mentor = mentor_with_offer(
        name="Grace Obi",
        topics=("Board governance",),
        profile={
            "career_stage": CareerStage.EXECUTIVE,
            "pronouns": "she/her",
            "region": Region.LONDON,
        },
    )
    show(mentor, career_stage=Visibility.MEMBERS, pronouns=Visibility.MEMBERS)
    mentee = mentee_with_goals(
        topics=("Board governance",),
        profile={
            "career_stage": CareerStage.MIDDLE,
            "region": Region.LONDON,
            "preferred_format": MentoringFormat.IN_PERSON,
            "mentoring_needs_topics": "",
        },
    )

    match = only_suggestion(mentee).match

    assert match.reasons == [
        "You both work on board governance",
        "She is a director or executive, two career stages above you",
        "Works in your region, London",
    ]
    assert match.parts["topics"] == 3.0
    assert match.parts["seniority"] == 1.5
    assert match.parts["region"] == 1.0
    assert match.score == pytest.approx(sum(match.parts.values()))


def test_a_reason_uses_the_mentors_name_when_they_do_not_show_their_pronouns(
    network: None,
) -> None:
    mentor = mentor_with_offer(
        name="Grace Obi",
        topics=("Finance",),
        profile={"career_stage": CareerStage.BOARD, "pronouns": "she/her"},
    )
    show(mentor, career_stage=Visibility.MEMBERS, pronouns=Visibility.ONLY_ME)
    mentee = mentee_with_goals(topics=(), profile={"career_stage": CareerStage.SENIOR})

    reasons = only_suggestion(mentee).match.reasons

    assert "Grace Obi is a board member, two career stages above you" in reasons
    assert not any("She" in reason for reason in reasons)


def test_goals_count_where_the_mentors_role_and_introduction_speak_to_them(
    network: None,
) -> None:
    mentor_with_offer(
        name="Tom Reid",
        topics=("Digital",),
        profile={
            "job_title": "Non-executive director",
            "bio": "I chair the audit committee of an NHS trust.",
        },
    )
    mentee = mentee_with_goals(
        topics=(),
        profile={
            "mentoring_goals": "A non-executive post, perhaps chairing an audit committee.",
            "mentoring_needs_topics": "",
        },
    )

    match = only_suggestion(mentee).match

    assert match.parts["goals"] == 2.0
    assert "Tom Reid's experience covers audit, committee and non-executive, from your goals" in (
        match.reasons
    )


def test_profession_counts_as_the_mentee_asked(network: None) -> None:
    nurse = mentor_with_offer(name="Nurse Mentor", profile={"profession": Profession.NURSING})
    accountant = mentor_with_offer(
        name="Finance Mentor", profile={"profession": Profession.FINANCE}
    )
    mentee = mentee_with_goals(
        profile={
            "profession": Profession.NURSING,
            "preferred_profession": ProfessionPreference.OTHER,
        }
    )

    found = {s.mentor: s.match for s in suggestions(mentee=mentee)}

    assert found[accountant].parts["profession"] == 1.0
    assert found[nurse].parts["profession"] == 0.0
    assert "Finance Mentor is in finance, another profession, as you asked" in (
        found[accountant].reasons
    )
    Profile.objects.filter(pk=mentee.pk).update(preferred_profession=ProfessionPreference.SAME)
    found = {s.mentor: s.match for s in suggestions(mentee=mentee)}
    assert found[nurse].parts["profession"] == 1.0
    assert found[accountant].parts["profession"] == 0.0


def test_region_counts_only_when_they_would_meet_in_person(network: None) -> None:
    mentor = mentor_with_offer(profile={"region": Region.LONDON})
    mentee = mentee_with_goals(
        profile={"region": Region.LONDON, "preferred_format": MentoringFormat.VIDEO}
    )

    assert only_suggestion(mentee).match.parts["region"] == 0.0

    Profile.objects.filter(pk=mentee.pk).update(preferred_format=MentoringFormat.IN_PERSON)
    assert only_suggestion(mentee).match.parts["region"] == 1.0

    Profile.objects.filter(pk=mentor.pk).update(mentoring_formats=[MentoringFormat.VIDEO])
    assert only_suggestion(mentee).match.parts["region"] == 0.0


@pytest.mark.parametrize(
    ("mentor_stage", "points"),
    [
        (CareerStage.SENIOR, 1.5),
        (CareerStage.EXECUTIVE, 1.5),
        (CareerStage.BOARD, 0.9),
        (CareerStage.MIDDLE, 0.0),
        (CareerStage.EARLY, 0.0),
    ],
)
def test_seniority_is_best_one_or_two_stages_above_and_nothing_at_or_below(
    network: None, mentor_stage: str, points: float
) -> None:
    mentor = mentor_with_offer(profile={"career_stage": mentor_stage})
    show(mentor, career_stage=Visibility.MEMBERS)
    mentee = mentee_with_goals(profile={"career_stage": CareerStage.MIDDLE})

    assert only_suggestion(mentee).match.parts["seniority"] == pytest.approx(points)


def test_more_room_left_scores_slightly_higher(network: None) -> None:
    roomy = mentor_with_offer(capacity=5)
    busy = mentor_with_offer(capacity=2)
    active_pairing(busy, mentee_with_goals())
    mentee = mentee_with_goals()

    found = {s.mentor: s.match for s in suggestions(mentee=mentee)}

    assert found[roomy].parts["capacity"] == 0.5
    assert found[busy].parts["capacity"] == pytest.approx(0.5 / 3, abs=1e-3)
    assert [s.mentor for s in suggestions(mentee=mentee)] == [roomy, busy]


def test_the_boards_weights_replace_the_defaults_and_nonsense_is_ignored(network: None) -> None:
    set_network(match_weights={"topics": 10, "region": -1, "goals": "lots", "unknown": 3})

    weights = matching.weights()

    assert weights["topics"] == 10.0
    assert weights["region"] == matching.DEFAULT_WEIGHTS["region"]
    assert weights["goals"] == matching.DEFAULT_WEIGHTS["goals"]
    assert "unknown" not in weights


def test_no_reason_shows_what_the_mentor_keeps_from_members(network: None) -> None:
    marker = "Zebracorn Strategy Director"
    mentor = mentor_with_offer(
        topics=("Board governance",),
        profile={
            "job_title": marker,
            "bio": "Zebracorn work in governance.",
            "career_stage": CareerStage.BOARD,
            "pronouns": "he/him",
            "region": Region.LONDON,
        },
    )
    show(
        mentor,
        job_title=Visibility.BOARD,
        bio=Visibility.ONLY_ME,
        career_stage=Visibility.BOARD,
        pronouns=Visibility.BOARD,
        region=Visibility.BOARD,
    )
    mentee = mentee_with_goals(
        topics=("Board governance",),
        profile={
            "mentoring_goals": "Zebracorn strategy director, governance",
            "career_stage": CareerStage.SENIOR,
            "region": Region.LONDON,
            "preferred_format": MentoringFormat.IN_PERSON,
        },
    )

    match = only_suggestion(mentee).match

    text = " ".join(match.reasons).lower()
    assert "zebracorn" not in text and "strategy" not in text
    assert "he is" not in text and "london" not in text and "board member" not in text
    assert match.parts["seniority"] == 0.0 and match.parts["region"] == 0.0


# ---------------------------------------------------------------------------------------------
# Who is never suggested


def suggested(mentee: User) -> list[User]:
    return [s.mentor for s in suggestions(mentee=mentee)]


def test_a_mentor_who_suits_is_suggested_and_forbidden_reason_allows_them(network: None) -> None:
    mentor = mentor_with_offer()
    mentee = mentee_with_goals()

    assert suggested(mentee) == [mentor]
    assert matching.forbidden_reason(mentee=mentee, mentor=mentor) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"mentoring_status": MentoringStatus.PAUSED}, "not taking on mentees"),
        ({"mentoring_status": MentoringStatus.NOT_OFFERED}, "not taking on mentees"),
        ({"mentoring_capacity": 0}, "as many mentees"),
        ({"organisation": "  sheffield CHILDREN'S nhs foundation trust"}, "same organisation"),
    ],
)
def test_a_mentor_the_rules_exclude_is_never_suggested(
    network: None, change: dict[str, Any], words: str
) -> None:
    mentor = mentor_with_offer()
    Profile.objects.filter(pk=mentor.pk).update(**change)
    mentee = mentee_with_goals()

    assert suggested(mentee) == []
    assert words in (matching.forbidden_reason(mentee=mentee, mentor=mentor) or "")


def test_a_suspended_mentor_is_never_suggested(network: None) -> None:
    mentor = mentor_with_offer()
    User.objects.filter(pk=mentor.pk).update(is_active=False)
    mentee = mentee_with_goals()

    assert suggested(mentee) == []
    assert "suspended" in (matching.forbidden_reason(mentee=mentee, mentor=mentor) or "")


def test_nobody_is_suggested_as_their_own_mentor(network: None) -> None:
    member = mentor_with_offer(profile={"mentoring_goals": "To grow", "mentoring_needs_topics": ""})

    assert suggested(member) == []
    assert matching.forbidden_reason(mentee=member, mentor=member) == (
        "Nobody can mentor themselves."
    )


def test_a_mentor_at_capacity_is_never_suggested(network: None) -> None:
    mentor = mentor_with_offer(capacity=1)
    active_pairing(mentor, mentee_with_goals())
    mentee = mentee_with_goals()

    assert suggested(mentee) == []
    assert matching.forbidden_reason(mentee=mentee, mentor=mentor) == matching.AT_CAPACITY


def test_a_mentor_who_keeps_their_offer_from_members_is_never_suggested(network: None) -> None:
    mentor = mentor_with_offer()
    show(mentor, mentoring_offer=Visibility.BOARD)
    mentee = mentee_with_goals()

    assert suggested(mentee) == []
    assert "does not show" in (matching.forbidden_reason(mentee=mentee, mentor=mentor) or "")


def test_a_mentor_from_the_mentees_own_organisation_is_suggested_when_they_ask(
    network: None,
) -> None:
    mentor = mentor_with_offer(
        profile={"organisation": "Sheffield Children's NHS Foundation Trust"}
    )
    mentee = mentee_with_goals(profile={"mentor_from_own_organisation": True})

    assert suggested(mentee) == [mentor]


@pytest.mark.parametrize(
    "status",
    [Pairing.Status.ACTIVE, Pairing.Status.COMPLETED, Pairing.Status.ENDED_EARLY],
)
def test_a_past_or_current_mentor_is_never_suggested_again(network: None, status: str) -> None:
    mentor = mentor_with_offer(capacity=3)
    mentee = mentee_with_goals()
    active_pairing(mentor, mentee, status=status)

    assert suggested(mentee) == []
    assert "paired" in (matching.forbidden_reason(mentee=mentee, mentor=mentor) or "")


def test_a_proposed_pairing_keeps_them_apart_but_one_declined_before_it_began_does_not(
    network: None,
) -> None:
    mentor = mentor_with_offer(capacity=3)
    mentee = mentee_with_goals()
    pairing = Pairing.objects.create(
        mentor=mentor, mentee=mentee, status=Pairing.Status.PROPOSED, origin="round"
    )
    assert suggested(mentee) == []

    Pairing.objects.filter(pk=pairing.pk).update(status=Pairing.Status.DECLINED)
    assert suggested(mentee) == [mentor]


def test_an_open_request_does_not_stop_a_suggestion(network: None) -> None:
    mentor = mentor_with_offer()
    mentee = mentee_with_goals()
    MentoringRequest.objects.create(mentee=mentee, mentor=mentor, note="Hello")

    assert suggested(mentee) == [mentor]


def test_suggestions_are_ranked_and_limited(network: None) -> None:
    best = mentor_with_offer(topics=("Finance", "Strategy"))
    for _ in range(6):
        mentor_with_offer(topics=("Finance",))
    mentee = mentee_with_goals(
        topics=("Finance", "Strategy"), profile={"mentoring_needs_topics": ""}
    )

    found = suggestions(mentee=mentee)

    assert len(found) == 5
    assert found[0].mentor == best
    assert [s.match.score for s in found] == sorted((s.match.score for s in found), reverse=True)


def test_a_member_without_a_profile_gets_no_suggestions(network: None) -> None:
    operator = User.objects.create_user(email="operator@example.org")
    mentor_with_offer()

    assert suggestions(mentee=operator) == []


# ---------------------------------------------------------------------------------------------
# Query counts


def many_mentors(count: int) -> None:
    """`count` more accepting mentors with two topics each, made in a few queries."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk-mentor-{n}@example.org", name=f"Bulk Mentor {n}")
        for n in range(start, start + count)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            display_name=user.name,
            mentoring_status=MentoringStatus.ACCEPTING,
            mentoring_capacity=2,
            mentoring_formats=[MentoringFormat.VIDEO],
            mentoring_topics="finance committees",
            visibility=dict(DEFAULTS),
        )
        for user in users
    )
    through = Profile.offered_topics.through
    topics = [topic("Board readiness"), topic("Finance")]
    through.objects.bulk_create(
        through(profile_id=user.pk, mentoringtopic_id=t.pk) for user in users for t in topics
    )


def queries_for_suggestions(mentee: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = suggestions(mentee=mentee)
    assert len(found) == 5
    return len(queries)


def test_suggestions_take_the_same_few_queries_for_10_mentors_as_for_200(network: None) -> None:
    mentee = mentee_with_goals()
    many_mentors(10)
    active_pairing(Profile.objects.filter(mentoring_capacity=2).first().user, mentee_with_goals())
    few = queries_for_suggestions(mentee)
    many_mentors(200)
    many = queries_for_suggestions(mentee)

    assert few == many
    assert many <= 8


# ---------------------------------------------------------------------------------------------
# A whole round's matrix at once


def random_people(
    rng: random.Random, mentees: int, mentors: int
) -> tuple[list[matching.MenteeFacts], list[matching.MentorFacts]]:
    topics = {1: "Finance", 2: "Digital", 3: "Governance", 4: "Workforce"}
    vocabulary = ["audit", "chair", "nursing", "budgets", "estates", "strategy"]
    professions = ["", "nursing", "finance", "medicine"]
    regions = ["", "london", "wales"]

    def some(items: list[Any], most: int) -> list[Any]:
        return rng.sample(items, rng.randint(0, most))

    mentee_list = [
        matching.MenteeFacts(
            user_id=n,
            is_active=rng.random() > 0.05,
            topics={pk: topics[pk] for pk in some(list(topics), 2)},
            need_words=frozenset(some(vocabulary, 2)),
            goal_words=frozenset(some(vocabulary, 4)),
            profession=rng.choice(professions),
            region=rng.choice(regions),
            stage=rng.choice([None, 0, 1, 2]),
            preferred_profession=rng.choice(["", "same", "other"]),
            preferred_format=rng.choice(["", "in_person", "video"]),
            organisation=rng.choice(["", "trust a", "trust b"]),
            own_organisation_ok=rng.random() < 0.3,
        )
        for n in range(1, mentees + 1)
    ]
    mentor_list = [
        matching.MentorFacts(
            user_id=n,
            name=f"Mentor {n}",
            voice=matching.Voice.of(f"Mentor {n}", ""),
            topics={pk: topics[pk] for pk in some(list(topics), 3)},
            offer_words=frozenset(some(vocabulary, 2)),
            experience_words=frozenset(some(vocabulary, 5)),
            profession=rng.choice(professions),
            region=rng.choice(regions),
            stage=rng.choice([None, 1, 2, 3, 4]),
            in_person=rng.random() < 0.5,
            capacity=rng.randint(0, 3),
            live=rng.randint(0, 2),
            is_active=rng.random() > 0.05,
            accepting=rng.random() > 0.1,
            offer_shown=rng.random() > 0.05,
            organisation=rng.choice(["", "trust a", "trust b"]),
        )
        for n in range(mentees + 1, mentees + mentors + 1)
    ]
    return mentee_list, mentor_list


# The database answers why a kept-apart pair is kept apart (a report, or a past pairing).
@pytest.mark.django_db
def test_a_rounds_matrix_scores_each_pair_as_a_single_match_does_and_keeps_the_rules() -> None:
    rng = random.Random(7)  # noqa: S311  (a seeded, repeatable set of people)
    weight = dict(matching.DEFAULT_WEIGHTS)
    for _ in range(5):
        mentees, mentors = random_people(rng, 25, 15)
        kept_apart = {frozenset({mentees[0].user_id, mentors[0].user_id})}

        cost = matching.costs(mentees, mentors, weight=weight, kept_apart=kept_apart)

        for row, mentee in enumerate(mentees):
            for column, mentor in enumerate(mentors):
                allowed = matching.rule_says_no(mentee, mentor, kept_apart=kept_apart) is None
                if allowed and matching.shares_a_topic(mentee, mentor):
                    expected = matching.score(mentee, mentor, weight).score
                    assert -cost[row, column] == pytest.approx(expected, abs=1e-3)
                else:
                    assert cost[row, column] == FORBIDDEN
        assignment = solve(cost, [mentor.room for mentor in mentors])
        for row, column in enumerate(assignment):
            if column is not None:
                assert (
                    matching.rule_says_no(mentees[row], mentors[column], kept_apart=kept_apart)
                    is None
                )
