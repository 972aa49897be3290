"""How well a mentor suits a mentee, in named parts a person can read, and the rules that keep
some pairs apart.

A match is the sum of six parts, each worth 0 to 1 times its weight (DEFAULT_WEIGHTS, which the
board may change in the network settings):

- topics: how many of the topics the mentee asked for (from the board's list, and their own few
  words) the mentor offers;
- goals: words of the mentee's goals found in the mentor's job title, topics and introduction;
- profession: the same profession or another one, as the mentee asked (nothing if they did not);
- region: the same region, counted only when they would meet in person;
- seniority: the mentor one or two career stages above the mentee is best; the same stage or
  below counts nothing;
- capacity: a mentor with more room left scores slightly higher.

A match uses only what the mentor shows to members, so neither a suggestion's order nor its
reasons can give away a part of a profile the mentor kept for the board or for themselves. The
mentee's own goals are theirs to see, so all of them count.

Some pairs are never suggested nor proposed, whatever their score (`forbidden_reason`).
"""

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, Q
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from members import conduct
from members.models import (
    CareerStage,
    MentoringFormat,
    MentoringStatus,
    Profession,
    ProfessionPreference,
    Profile,
    Region,
)
from members.privacy import AUDIENCES, Visibility, VisibleProfile
from mentoring.models import Pairing
from network.models import MentoringTopic, NetworkSettings

DEFAULT_WEIGHTS: dict[str, float] = {
    "topics": 3.0,
    "goals": 2.0,
    "profession": 1.0,
    "region": 1.0,
    "seniority": 1.5,
    "capacity": 0.5,
}

# What the board's page on how matching works says of each part.
PART_DESCRIPTIONS: dict[str, str] = {
    "topics": "Shared topics: the share of the topics the mentee asked for (from the board's "
    "list, and their own few words) that the mentor offers.",
    "goals": "Goals and experience: words from the mentee's goals found in the mentor's job "
    "title, topics and introduction (three or more count in full).",
    "profession": "Profession: the same profession, or another one, as the mentee asked; "
    "nothing when the mentee has no preference.",
    "region": "Region: the same region, counted only when the two would meet in person.",
    "seniority": "Seniority gap: a mentor one or two career stages above the mentee counts in "
    "full, three or four stages above a little less; the same stage or below counts nothing.",
    "capacity": "Capacity left: a mentor with more room left scores a little higher, so "
    "mentoring is shared out rather than piled on a few people.",
}

AT_CAPACITY = "The mentor has as many mentees as they can support."
# A cost at or above this (or not finite) in `solve` marks a pair the rules forbid.
FORBIDDEN = 1e9

STAGES = [stage.value for stage in CareerStage]
STAGE_WORDS = ["", "one", "two", "three", "four"]
SENIORITY_BY_GAP = {1: 1.0, 2: 1.0, 3: 0.6, 4: 0.4}
# Room for this many more mentees counts in full.
ROOM_IN_FULL = 3
GOAL_WORDS_IN_FULL = 3

# Words too common to say anything about a goal or an experience.
_COMMON = """
about above after again also among and any are around back be because been before being
better between both but can could day days did does doing done each else even ever every
for from get getting give go going good had has have having help her here him his how
into its just keep know like little look made make making many more most much must need
needs new next not now off once one only other our out over own part people really role
same see should some still such take than that the their them then there these they
thing things this those through time under until use very want wanted way well were what
when where which while who whom why will with within without work working would year
years you your able ready post posts move moving next help learn learning understand
develop developing
"""
STOP_WORDS = frozenset(_COMMON.split())
WORD = re.compile(r"[a-z][a-z'-]*[a-z]")


def words(*texts: str) -> frozenset[str]:
    """The telling words of some text: lower case, four letters or more (or a short word in
    capitals such as NED or ICB), without the common ones."""
    found: set[str] = set()
    for text in texts:
        short = {w.lower() for w in re.findall(r"\b[A-Z]{2,3}\b", text)}
        for word in WORD.findall(text.lower()):
            if (len(word) >= 4 or word in short) and word not in STOP_WORDS:
                found.add(word)
    return frozenset(found)


def weights() -> dict[str, float]:
    """The defaults, with the board's own weights from the network settings where they are
    numbers of zero or more; anything else there is ignored."""
    chosen = NetworkSettings.load().match_weights or {}
    merged = dict(DEFAULT_WEIGHTS)
    for part, value in chosen.items() if isinstance(chosen, dict) else ():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if part in merged and number and value >= 0:
            merged[part] = float(value)
    return merged


@dataclass
class Match:
    """A score, its parts (each part's points: 0 to 1 times its weight) and the top reasons."""

    score: float
    parts: dict[str, float]
    reasons: list[str]


@dataclass(frozen=True)
class Voice:
    """How a reason speaks of the mentor: by their pronouns if they show them, else by name."""

    subject: str
    possessive: str
    verb_be: str

    @classmethod
    def of(cls, name: str, pronouns: str) -> "Voice":
        first = pronouns.strip().lower().split("/")[0].strip()
        known = {
            "she": ("She", "Her", "is"),
            "he": ("He", "His", "is"),
            "they": ("They", "Their", "are"),
        }
        if first in known:
            return cls(*known[first])
        return cls(name, f"{name}'s" if not name.endswith("s") else f"{name}'", "is")


@dataclass(frozen=True)
class MenteeFacts:
    """What a match reads of a mentee: all their own goals and preferences."""

    user_id: int
    is_active: bool
    topics: dict[int, str]
    need_words: frozenset[str]
    goal_words: frozenset[str]
    profession: str
    region: str
    stage: int | None
    preferred_profession: str
    preferred_format: str
    organisation: str
    own_organisation_ok: bool

    @classmethod
    def of(
        cls, profile: Profile, *, topics: Iterable[MentoringTopic] | None = None
    ) -> "MenteeFacts":
        """`profile` with its user and wanted_topics loaded (or they are loaded here); or
        `topics`, its wanted topics as the caller has already read them."""
        wanted = profile.wanted_topics.all() if topics is None else topics
        return cls(
            user_id=profile.pk,
            is_active=profile.user.is_active,
            topics={topic.pk: topic.name for topic in wanted},
            need_words=words(profile.mentoring_needs_topics),
            goal_words=words(
                profile.mentoring_goals,
                profile.mentoring_needs_topics,
                profile.career_aspiration,
            ),
            profession=profile.profession,
            region=profile.region,
            stage=_stage(profile.career_stage),
            preferred_profession=profile.preferred_profession,
            preferred_format=profile.preferred_format,
            organisation=_organisation(profile.organisation),
            own_organisation_ok=profile.mentor_from_own_organisation,
        )


@dataclass(frozen=True)
class MentorFacts:
    """What a match reads of a mentor: only what they show to members; and, for the rules
    alone, whether they are taking mentees and where they work."""

    user_id: int
    name: str
    voice: Voice
    topics: dict[int, str]
    offer_words: frozenset[str]
    experience_words: frozenset[str]
    profession: str
    region: str
    stage: int | None
    in_person: bool
    capacity: int
    live: int
    # For the rules only, never for a reason.
    is_active: bool
    accepting: bool
    offer_shown: bool
    organisation: str

    @property
    def room(self) -> int:
        return max(self.capacity - self.live, 0)

    @classmethod
    def of(cls, profile: Profile, *, live: int) -> "MentorFacts":
        """`profile` with its user and offered_topics loaded (or they are loaded here), and the
        number of its live pairings as mentor."""
        # What any member other than the mentor sees (Profile.visible_to for a mentee's
        # Viewer): the same for every mentee, so it is worked out once per mentor.
        shown = VisibleProfile(profile, AUDIENCES["member"])
        offer = shown.shows("mentoring_offer")
        topics = {topic.pk: topic.name for topic in profile.offered_topics.all()} if offer else {}
        offer_text = profile.mentoring_topics if offer else ""
        job_title = profile.job_title if shown.shows("job_title") else ""
        bio = profile.bio if shown.shows("bio") else ""
        pronouns = profile.pronouns if shown.shows("pronouns") else ""
        return cls(
            user_id=profile.pk,
            name=profile.display_name,
            voice=Voice.of(profile.display_name, pronouns),
            topics=topics,
            offer_words=words(offer_text),
            experience_words=words(job_title, bio, offer_text, *topics.values()),
            profession=profile.profession if shown.shows("profession") else "",
            region=profile.region if shown.shows("region") else "",
            stage=_stage(profile.career_stage) if shown.shows("career_stage") else None,
            in_person=offer and MentoringFormat.IN_PERSON in (profile.mentoring_formats or []),
            capacity=profile.mentoring_capacity,
            live=live,
            is_active=profile.user.is_active,
            accepting=profile.mentoring_status == MentoringStatus.ACCEPTING,
            offer_shown=offer,
            organisation=_organisation(profile.organisation),
        )


def _stage(value: str) -> int | None:
    return STAGES.index(value) if value in STAGES else None


def _organisation(value: str) -> str:
    return " ".join(value.lower().split())


def _inline(name: str) -> str:
    """A topic's name inside a sentence: 'Board readiness' -> 'board readiness', but 'NHS
    finance' stays as it is."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _listed(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    parts = list(items)
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


# ---------------------------------------------------------------------------------------------
# The score


def _shared_topics(mentee: MenteeFacts, mentor: MentorFacts) -> tuple[list[str], list[str]]:
    topics = [mentee.topics[pk] for pk in mentee.topics if pk in mentor.topics]
    shared_words = sorted(mentee.need_words & mentor.offer_words)
    return topics, shared_words


def _meets_in_person(mentee: MenteeFacts, mentor: MentorFacts) -> bool:
    if mentee.preferred_format == MentoringFormat.IN_PERSON:
        return True
    return mentee.preferred_format == "" and mentor.in_person


# Below this many pairs, counting shared items set by set is quicker than sparse matrices.
SMALL = 256


def _shared(
    left: Sequence[frozenset[Hashable]], right: Sequence[frozenset[Hashable]]
) -> np.ndarray:
    """How many items each pair shares: |left[i] & right[j]| for every i and j. A large
    problem goes through two 0/1 sparse matrices over one vocabulary (left @ right.T)."""
    if len(left) * len(right) <= SMALL:
        return np.array([[len(a & b) for b in right] for a in left], dtype=float).reshape(
            len(left), len(right)
        )
    vocabulary: dict[Hashable, int] = {}

    def incidence(sides: Sequence[frozenset[Hashable]]) -> sparse.csr_matrix:
        pointers, found = [0], list[int]()
        for items in sides:
            found.extend(vocabulary.setdefault(item, len(vocabulary)) for item in items)
            pointers.append(len(found))
        # The shape is given, as a side with no items at all (mentors who chose no topic from
        # the list) leaves nothing to infer it from; the widths are evened out below.
        shape = (len(sides), max(len(vocabulary), 1))
        return sparse.csr_matrix((np.ones(len(found)), found, pointers), shape=shape)

    rows, columns = incidence(left), incidence(right)
    width = len(vocabulary)
    rows.resize((len(left), width))
    columns.resize((len(right), width))
    return np.asarray((rows @ columns.T).toarray(), dtype=float)


def _codes(values: list[str], known: dict[str, int]) -> np.ndarray:
    """Each value as a number, the same number for the same value; -1 for none."""
    return np.array([known.setdefault(v, len(known)) if v else -1 for v in values])


def _asked_for(mentee: MenteeFacts) -> frozenset[Hashable]:
    return frozenset([*(("t", pk) for pk in mentee.topics), *(("w", w) for w in mentee.need_words)])


def part_matrices(mentees: list[MenteeFacts], mentors: list[MentorFacts]) -> dict[str, np.ndarray]:
    """Each part's value, 0 to 1 before its weight, for every mentee (row) and mentor (column):
    the one definition of the parts, worked out for a whole round at once."""
    shape = (len(mentees), len(mentors))
    if not mentees or not mentors:
        return {part: np.zeros(shape) for part in DEFAULT_WEIGHTS}
    wanted = [_asked_for(m) for m in mentees]
    offered = [
        frozenset([*(("t", pk) for pk in m.topics), *(("w", w) for w in m.offer_words)])
        for m in mentors
    ]
    asked = np.array([len(items) for items in wanted], dtype=float).reshape(-1, 1)
    topics = np.divide(_shared(wanted, offered), asked, out=np.zeros(shape), where=asked > 0)
    hits = _shared([m.goal_words for m in mentees], [m.experience_words for m in mentors])

    known: dict[str, int] = {}
    mentee_profession = _codes([m.profession for m in mentees], known)[:, None]
    mentor_profession = _codes([m.profession for m in mentors], known)[None, :]
    same = mentee_profession == mentor_profession
    preference = np.array([m.preferred_profession for m in mentees])[:, None]
    profession = (
        (mentee_profession >= 0)
        & (mentor_profession >= 0)
        & (
            ((preference == ProfessionPreference.SAME) & same)
            | ((preference == ProfessionPreference.OTHER) & ~same)
        )
    )

    known = {}
    mentee_region = _codes([m.region for m in mentees], known)[:, None]
    mentor_region = _codes([m.region for m in mentors], known)[None, :]
    in_person = np.array([m.in_person for m in mentors])[None, :]
    formats = np.array([m.preferred_format for m in mentees])[:, None]
    meets = (formats == MentoringFormat.IN_PERSON) | ((formats == "") & in_person)
    region = meets & in_person & (mentee_region >= 0) & (mentee_region == mentor_region)

    mentee_stage = np.array([-99 if m.stage is None else m.stage for m in mentees])[:, None]
    mentor_stage = np.array([-99 if m.stage is None else m.stage for m in mentors])[None, :]
    gap = np.where((mentee_stage >= 0) & (mentor_stage >= 0), mentor_stage - mentee_stage, 0)
    seniority = np.zeros(shape)
    for steps, value in SENIORITY_BY_GAP.items():
        seniority[gap == steps] = value

    room = np.array([min(m.room, ROOM_IN_FULL) / ROOM_IN_FULL for m in mentors], dtype=float)
    return {
        "topics": topics,
        "goals": np.minimum(hits, GOAL_WORDS_IN_FULL) / GOAL_WORDS_IN_FULL,
        "profession": profession.astype(float),
        "region": region.astype(float),
        "seniority": seniority,
        "capacity": np.broadcast_to(room, shape),
    }


def part_values(mentee: MenteeFacts, mentor: MentorFacts) -> dict[str, float]:
    """Each part's value, 0 to 1, before its weight, for one pair."""
    return {part: float(values[0, 0]) for part, values in part_matrices([mentee], [mentor]).items()}


def scores(
    mentees: list[MenteeFacts], mentors: list[MentorFacts], weight: dict[str, float]
) -> np.ndarray:
    """The score of every mentee (row) and mentor (column), without reasons: one call for a
    page or a round, not one per pair."""
    total = np.zeros((len(mentees), len(mentors)))
    for part, values in part_matrices(mentees, mentors).items():
        total += weight[part] * values
    return total


def points(mentee: MenteeFacts, mentor: MentorFacts, weight: dict[str, float]) -> float:
    """The score of one pair alone, without reasons. For many pairs, `scores` is far quicker."""
    return float(scores([mentee], [mentor], weight)[0, 0])


def reason_for(part: str, mentee: MenteeFacts, mentor: MentorFacts) -> str:
    """One part of a match in words for the mentee, from what the mentor shows to members."""
    voice = mentor.voice
    if part == "topics":
        topics, shared_words = _shared_topics(mentee, mentor)
        return f"You both work on {_listed([_inline(t) for t in topics] + shared_words)}"
    if part == "goals":
        hits = sorted(mentee.goal_words & mentor.experience_words)[:GOAL_WORDS_IN_FULL]
        return f"{voice.possessive} experience covers {_listed(hits)}, from your goals"
    if part == "profession":
        label = Profession(mentor.profession).label.lower()
        if mentor.profession == mentee.profession:
            return f"You are both in {label}"
        return f"{voice.subject} {voice.verb_be} in {label}, another profession, as you asked"
    if part == "region":
        return f"Works in your region, {Region(mentor.region).label}"
    if part == "seniority":
        gap = (mentor.stage or 0) - (mentee.stage or 0)
        label = CareerStage(STAGES[mentor.stage or 0]).label.lower()
        stages = "career stage" if gap == 1 else "career stages"
        return f"{voice.subject} {voice.verb_be} a {label}, {STAGE_WORDS[gap]} {stages} above you"
    room = mentor.room
    return f"Has room for {room} more {'mentee' if room == 1 else 'mentees'}"


def score(
    mentee: MenteeFacts,
    mentor: MentorFacts,
    weight: dict[str, float],
    values: dict[str, float] | None = None,
) -> Match:
    """The match with its parts and its top three reasons in words (from `values`, the pair's
    part values, when they are already worked out)."""
    values = values if values is not None else part_values(mentee, mentor)
    parts = {part: round(weight[part] * value, 4) for part, value in values.items()}
    ranked = sorted((p for p in parts if parts[p] > 0), key=lambda p: -parts[p])
    return Match(
        score=round(sum(parts.values()), 4),
        parts=parts,
        reasons=[reason_for(part, mentee, mentor) for part in ranked[:3]],
    )


# ---------------------------------------------------------------------------------------------
# The rules


def conduct_exclusions(member_ids: Iterable[int]) -> set[frozenset[int]]:
    """Pairs of these members kept apart because one reported the other to the board (either
    way round), each pair as a frozenset of two user ids."""
    return conduct.kept_apart(member_ids)


def past_partners(member_ids: Iterable[int]) -> set[frozenset[int]]:
    """Pairs of these members who are paired now (proposed or active) or were once (a pairing
    that ran), either way round; a pairing declined before it began does not count."""
    ids = list(member_ids)
    rows = (
        Pairing.objects.filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids))
        .keeping_apart()
        .values_list("mentor_id", "mentee_id")
    )
    return {frozenset(row) for row in rows}


def rule_says_no(
    mentee: MenteeFacts,
    mentor: MentorFacts,
    *,
    kept_apart: set[frozenset[int]],
) -> str | None:
    """Why this pair may not be suggested or proposed, in words for the board; None when the
    rules allow it. `kept_apart` holds past pairings and conduct exclusions."""
    if mentee.user_id == mentor.user_id:
        return "Nobody can mentor themselves."
    if not mentor.is_active:
        return "The mentor's account is suspended or closed."
    if not mentee.is_active:
        return "The mentee's account is suspended or closed."
    if not mentor.accepting:
        return "The mentor is not taking on mentees just now."
    if not mentor.offer_shown:
        return "The mentor does not show their mentoring offer to members."
    if mentor.live >= mentor.capacity:
        return AT_CAPACITY
    if (
        mentee.organisation
        and mentee.organisation == mentor.organisation
        and not mentee.own_organisation_ok
    ):
        return "They work at the same organisation, and the mentee did not ask for that."
    pair = frozenset({mentee.user_id, mentor.user_id})
    if pair in kept_apart:
        if pair in conduct_exclusions(pair):
            return "One of them has reported the other to the board."
        return "They are paired now, or have been before."
    return None


def mentee_facts(user_id: int) -> MenteeFacts | None:
    profile = (
        Profile.objects.select_related("user")
        .prefetch_related("wanted_topics")
        .filter(pk=user_id)
        .first()
    )
    return MenteeFacts.of(profile) if profile is not None else None


def mentor_profiles() -> Any:
    """Profiles with what a match reads of a mentor loaded, and their live pairings counted."""
    return (
        Profile.objects.select_related("user")
        .prefetch_related("offered_topics")
        .annotate(
            live=Count(
                "user__pairings_as_mentor",
                filter=Q(user__pairings_as_mentor__status__in=Pairing.LIVE),
            )
        )
    )


def available_mentors() -> Any:
    """Mentors the rules may allow for someone: active, taking mentees, showing their offer to
    members and with room left. The same conditions `rule_says_no` checks, asked of the
    database so the rest are never loaded."""
    return (
        mentor_profiles()
        .filter(
            user__is_active=True,
            mentoring_status=MentoringStatus.ACCEPTING,
            visibility__mentoring_offer=Visibility.MEMBERS,
        )
        .filter(live__lt=F("mentoring_capacity"))
    )


def forbidden_reason(*, mentee: Any, mentor: Any) -> str | None:
    """Why the rules keep this mentor from this mentee, in words for the board; None when
    they allow the pair."""
    mentee_side = mentee_facts(mentee.pk)
    if mentee_side is None:
        return "The mentee has no profile."
    if mentee.pk == mentor.pk:
        return "Nobody can mentor themselves."
    profile = mentor_profiles().filter(pk=mentor.pk).first()
    if profile is None:
        return "The mentor is not taking on mentees just now."
    mentor_side = MentorFacts.of(profile, live=profile.live)
    ids = [mentee.pk, mentor.pk]
    kept_apart = past_partners(ids) | conduct_exclusions(ids)
    return rule_says_no(mentee_side, mentor_side, kept_apart=kept_apart)


# ---------------------------------------------------------------------------------------------
# Suggestions


@dataclass
class Suggestion:
    mentor: Any
    profile: Profile
    match: Match


def suggestions(
    *, mentee: Any, limit: int = 5, facts: MenteeFacts | None = None
) -> list[Suggestion]:
    """The mentors who suit this mentee best, with reasons; never one the rules keep apart.
    `facts`: the mentee's, when the caller has read them already.

    A handful of queries whatever the number of mentors: the topics come prefetched, the live
    pairings are counted by the database, and past and present partners are left out by it.
    """
    mentee_side = facts or mentee_facts(mentee.pk)
    if mentee_side is None:
        return []
    weight = weights()
    partnered = Pairing.objects.keeping_apart().filter(
        Q(mentor=OuterRef("pk"), mentee=mentee.pk) | Q(mentor=mentee.pk, mentee=OuterRef("pk"))
    )
    profiles = list(available_mentors().exclude(pk=mentee.pk).exclude(Exists(partnered)))
    ids = [mentee.pk, *(profile.pk for profile in profiles)]
    kept_apart = conduct_exclusions(ids)
    allowed = [
        (profile, mentor_side)
        for profile in profiles
        if rule_says_no(
            mentee_side,
            mentor_side := MentorFacts.of(profile, live=profile.live),
            kept_apart=kept_apart,
        )
        is None
    ]
    parts = part_matrices([mentee_side], [mentor_side for _, mentor_side in allowed])
    found = [
        Suggestion(
            profile.user,
            profile,
            score(
                mentee_side,
                mentor_side,
                weight,
                {part: float(values[0, column]) for part, values in parts.items()},
            ),
        )
        for column, (profile, mentor_side) in enumerate(allowed)
    ]
    found.sort(key=lambda s: (-s.match.score, s.profile.display_name, s.profile.pk))
    return found[:limit]


# ---------------------------------------------------------------------------------------------
# Assignment


def solve(cost: Any, capacities: list[int]) -> list[int | None]:
    """The best assignment of mentees (rows) to mentors (columns): each mentee to one mentor or
    to none, no mentor over their capacity, never a forbidden pair (a cost of FORBIDDEN or more,
    or not finite).

    It matches as many mentees as the rules and capacities allow, and among those ways takes
    the one with the lowest total cost. Each mentor's column is repeated once per place they
    have (scipy's linear_sum_assignment then pairs places with mentees one to one).

    Being unmatched is each mentee's forbidden cells: the solver fills every place (or seats
    every mentee, whichever are fewer), and a fill on a forbidden cell is read as "unmatched",
    never returned. Such a fill costs more than all the allowed pairs together could make up,
    so one more unmatched mentee is always worse than any set of allowed pairs, as separate
    "unmatched" columns would make it, without doubling the matrix: at 2,000 mentees that is
    the difference between half a second and several (bench/matching.py).
    """
    matrix = np.asarray(cost, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] != len(capacities):
        raise ValueError("The cost matrix needs one column per mentor capacity.")
    assignment: list[int | None] = [None] * matrix.shape[0]
    allowed = np.isfinite(matrix) & (matrix < FORBIDDEN)
    # Mentees nobody may mentor wait out; no mentor needs more places than mentees they may have.
    rows = np.flatnonzero(allowed.any(axis=1))
    places = np.minimum(np.maximum(np.asarray(capacities, dtype=int), 0), allowed.sum(axis=0))
    columns = np.repeat(np.arange(matrix.shape[1]), places)
    if rows.size == 0 or columns.size == 0:
        return assignment
    low, high = float(matrix[allowed].min()), float(matrix[allowed].max())
    pairs = min(rows.size, columns.size)
    unmatched = high + pairs * (high - low) + 1.0
    cells = np.ix_(rows, columns)
    expanded = np.where(allowed[cells], matrix[cells], unmatched)
    for row, column in zip(*linear_sum_assignment(expanded), strict=True):
        mentee, mentor = int(rows[row]), int(columns[column])
        if allowed[mentee, mentor]:
            assignment[mentee] = mentor
    return assignment


def shares_a_topic(mentee: MenteeFacts, mentor: MentorFacts) -> bool:
    """A round proposes a mentor only if they offer something the mentee asked for (any
    mentor will do for a mentee who named no topics)."""
    if not mentee.topics and not mentee.need_words:
        return True
    topics, shared_words = _shared_topics(mentee, mentor)
    return bool(topics or shared_words)


def costs(
    mentees: list[MenteeFacts],
    mentors: list[MentorFacts],
    *,
    weight: dict[str, float],
    kept_apart: set[frozenset[int]],
    parts: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """The cost of each mentee (row) and mentor (column) for `solve`: minus the score, or
    FORBIDDEN where the rules keep them apart or the mentor offers none of their topics.
    `parts` are the pairs' part_matrices, when the caller has them already."""
    parts = parts if parts is not None else part_matrices(mentees, mentors)
    total = np.zeros((len(mentees), len(mentors)))
    for part, values in parts.items():
        total += weight[part] * values
    asked_nothing = np.array([not m.topics and not m.need_words for m in mentees])[:, None]
    # The same test as shares_a_topic: something the mentee asked for is on offer.
    candidates = (parts["topics"] > 0) | asked_nothing
    matrix = np.full((len(mentees), len(mentors)), FORBIDDEN)
    for row, column in zip(*np.nonzero(candidates), strict=True):
        if rule_says_no(mentees[row], mentors[column], kept_apart=kept_apart) is None:
            matrix[row, column] = -total[row, column]
    return matrix
