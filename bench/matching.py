"""Benchmark: a matching round of 2,000 mentees and 800 mentors with room for 1 to 3 mentees
each, as mentoring.rounds.run_matching scores and solves it.

Run on purpose, not in the test suite; it needs no database (the people are made in memory, with
seeded random topics, goals, professions, regions, career stages and formats):

    DEBUG=true .venv/bin/python bench/matching.py [--mentees 2000] [--mentors 800] [--runs 3]

It prints the time to score every pair (the cost matrix, the rules and the topic check
included) and the time the solver takes to assign everyone, the best of `--runs`, with the
matched count, the capacity used and the average score. The solver must take 2 seconds or less
on this machine; the script exits with an error if it takes longer.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from members.models import MentoringFormat, Profession, Region  # noqa: E402
from mentoring import matching  # noqa: E402
from mentoring.matching import MenteeFacts, MentorFacts, Voice  # noqa: E402

SOLVE_LIMIT_SECONDS = 2.0
TOPICS = [
    "Board readiness",
    "Finance",
    "Digital strategy",
    "Clinical leadership",
    "Governance",
    "Workforce",
    "Quality improvement",
    "Equality and inclusion",
    "Integrated care",
    "Research",
    "Estates",
    "Communications",
    "Non-executive roles",
    "Operational delivery",
    "Public health",
]
_WORDS = (
    "audit committee chair trust finance strategy nursing workforce digital data quality "
    "safety research estates inclusion integration primary community mental executive "
    "governance transformation partnerships commissioning procurement clinical pharmacy "
    "midwifery leadership coaching resilience budgets regulation"
)
WORDS = _WORDS.split()


def people(mentees: int, mentors: int, *, seed: int) -> tuple[list[MenteeFacts], list[MentorFacts]]:
    rng = random.Random(seed)  # noqa: S311  (repeatable test data, not a secret)
    topic_ids = list(range(1, len(TOPICS) + 1))
    professions = [p.value for p in Profession]
    regions = [r.value for r in Region]
    formats = ["", *(f.value for f in MentoringFormat)]
    preferences = ["", "same", "other"]

    def some_words(count: int) -> frozenset[str]:
        return frozenset(rng.sample(WORDS, count))

    mentee_list = [
        MenteeFacts(
            user_id=n,
            is_active=True,
            topics={pk: TOPICS[pk - 1] for pk in rng.sample(topic_ids, rng.randint(1, 3))},
            need_words=some_words(rng.randint(0, 2)),
            goal_words=some_words(rng.randint(2, 8)),
            profession=rng.choice(professions),
            region=rng.choice(regions),
            stage=rng.randint(0, 3),
            preferred_profession=rng.choice(preferences),
            preferred_format=rng.choice(formats),
            organisation=f"trust {rng.randint(1, 300)}",
            own_organisation_ok=rng.random() < 0.1,
        )
        for n in range(1, mentees + 1)
    ]
    mentor_list = []
    for n in range(mentees + 1, mentees + mentors + 1):
        topics = {pk: TOPICS[pk - 1] for pk in rng.sample(topic_ids, rng.randint(2, 5))}
        mentor_list.append(
            MentorFacts(
                user_id=n,
                name=f"Mentor {n}",
                voice=Voice.of(f"Mentor {n}", rng.choice(["", "she/her", "he/him"])),
                topics=topics,
                offer_words=some_words(rng.randint(0, 3)),
                experience_words=some_words(rng.randint(3, 12)) | matching.words(*topics.values()),
                profession=rng.choice(professions),
                region=rng.choice(regions),
                stage=rng.choice([None, 2, 3, 4]),
                in_person=rng.random() < 0.5,
                capacity=rng.randint(1, 3),
                live=0,
                is_active=True,
                accepting=True,
                offer_shown=True,
                organisation=f"trust {rng.randint(1, 300)}",
            )
        )
    return mentee_list, mentor_list


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    mentees, mentors = people(options.mentees, options.mentors, seed=options.seed)
    weight = dict(matching.DEFAULT_WEIGHTS)
    # A few past pairings, as a real round would have to keep apart.
    kept_apart = {
        frozenset({mentees[n].user_id, mentors[n % len(mentors)].user_id})
        for n in range(0, len(mentees), 7)
    }
    capacities = [mentor.room for mentor in mentors]

    started = time.perf_counter()
    cost = matching.costs(mentees, mentors, weight=weight, kept_apart=kept_apart)
    scoring = time.perf_counter() - started

    solving = []
    for _ in range(options.runs):
        started = time.perf_counter()
        assignment = matching.solve(cost, capacities)
        solving.append(time.perf_counter() - started)

    matched = [(row, column) for row, column in enumerate(assignment) if column is not None]
    assert all(cost[row, column] < matching.FORBIDDEN for row, column in matched)
    used = np.bincount([column for _, column in matched], minlength=len(mentors))
    assert all(used[column] <= capacities[column] for column in range(len(mentors)))
    average = -float(np.mean([cost[row, column] for row, column in matched])) if matched else 0
    forbidden = int((cost >= matching.FORBIDDEN).sum())

    print(f"| figure | {options.mentees:,} mentees x {options.mentors:,} mentors |")
    print("|---|---|")
    print(f"| places offered (capacities 1 to 3) | {sum(capacities):,} |")
    print(f"| pairs ruled out (rules or no shared topic) | {forbidden:,} of {cost.size:,} |")
    print(f"| scoring every pair | {scoring:.2f} s |")
    print(f"| solving (best of {options.runs}) | {min(solving):.2f} s |")
    print(f"| matched | {len(matched):,} ({sum(capacities):,} places) |")
    print(f"| average score | {average:.2f} of {sum(weight.values()):.1f} |")
    if min(solving) > SOLVE_LIMIT_SECONDS:
        sys.exit(f"The solver took {min(solving):.2f} s, over {SOLVE_LIMIT_SECONDS} s.")


if __name__ == "__main__":
    main()
