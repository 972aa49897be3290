"""Demo members for trying the site and for benchmarks: varied, realistic and reproducible."""

import random
from collections.abc import Sequence
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import QuerySet

from members.models import (
    CareerStage,
    MentoringFormat,
    MentoringStatus,
    OrganisationType,
    Profession,
    Profile,
    Region,
    User,
    Visibility,
)
from members.privacy import DEFAULTS
from network.models import MembershipCategory

# Given names, so each network's demo is made of people who could belong to it: the women
# leaders' network is for women; the LGBTQ+ network is open to leaders of any gender and allies.
WOMENS_NAMES = [
    "Aisha", "Alexandra", "Amara", "Anjali", "Bethan", "Carys", "Chloe", "Deepa", "Eilidh",
    "Fatima", "Folake", "Grace", "Hannah", "Ifeoma", "Joanne", "Kirsty", "Lowri", "Maryam", "Mei",
    "Naomi", "Natalie", "Niamh", "Priya", "Rachel", "Rhiannon", "Samantha", "Siobhan", "Tamsin",
    "Uzma", "Yetunde", "Zainab",
]  # fmt: skip
OTHER_NAMES = [
    "Alex", "Ben", "Charlie", "Chris", "Daniel", "Efe", "Jamie", "Jo", "Kwame", "Luis", "Marcus",
    "Nathan", "Olu", "Owen", "Rhys", "Robin", "Sam",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Begum", "Campbell", "Davies", "Evans", "Fraser", "Gallagher", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "MacLeod", "Nwosu", "O'Brien", "Patel", "Quinn", "Roberts",
    "Singh", "Thomas", "Walsh", "Williams", "Wright", "Young",
]  # fmt: skip
ROLES = {
    Profession.NURSING: ["Deputy Chief Nurse", "Head of Nursing", "Matron", "Director of Nursing"],
    Profession.MIDWIFERY: ["Director of Midwifery", "Consultant Midwife", "Head of Midwifery"],
    Profession.MEDICINE: ["Consultant Physician", "Clinical Director", "Deputy Medical Director"],
    Profession.ALLIED_HEALTH: ["Head of Therapies", "Consultant Physiotherapist", "AHP Lead"],
    Profession.PHARMACY: ["Chief Pharmacist", "Lead Pharmacist", "Director of Pharmacy"],
    Profession.SOCIAL_WORK: ["Principal Social Worker", "Head of Adult Social Care"],
    Profession.MANAGEMENT: ["Divisional General Manager", "Chief Operating Officer"],
    Profession.FINANCE: ["Deputy Director of Finance", "Head of Financial Planning"],
    Profession.PEOPLE: ["Director of People", "Head of Organisational Development"],
    Profession.DIGITAL: ["Chief Information Officer", "Head of Digital Transformation"],
}
ORGANISATIONS = [
    ("Leeds Teaching Hospitals NHS Trust", OrganisationType.TRUST, Region.NORTH_EAST_YORKSHIRE),
    ("Manchester University NHS Foundation Trust", OrganisationType.TRUST, Region.NORTH_WEST),
    ("Guy's and St Thomas' NHS Foundation Trust", OrganisationType.TRUST, Region.LONDON),
    ("NHS Birmingham and Solihull ICB", OrganisationType.ICB, Region.MIDLANDS),
    ("NHS Cornwall and Isles of Scilly ICB", OrganisationType.ICB, Region.SOUTH_WEST),
    ("Cambridge University Hospitals", OrganisationType.TRUST, Region.EAST_OF_ENGLAND),
    ("Brighton primary care network", OrganisationType.PRIMARY_CARE, Region.SOUTH_EAST),
    ("Norfolk County Council adult social care", OrganisationType.SOCIAL_CARE,
     Region.EAST_OF_ENGLAND),
    ("NHS England", OrganisationType.NATIONAL_BODY, Region.LONDON),
    ("NHS Greater Glasgow and Clyde", OrganisationType.OTHER, Region.SCOTLAND),
    ("Cardiff and Vale University Health Board", OrganisationType.OTHER, Region.WALES),
    ("Belfast Health and Social Care Trust", OrganisationType.OTHER, Region.NORTHERN_IRELAND),
]  # fmt: skip
TOPICS = [
    "board governance", "finance for non-finance leaders", "quality improvement",
    "leading through change", "interview preparation", "non-executive roles",
    "inclusive leadership", "clinical leadership", "system working", "coaching",
    "returning from leave", "imposter feelings", "building a portfolio career",
]  # fmt: skip
LIVED_EXPERIENCE = [
    "coming out at work", "being a carer while leading", "career change into the NHS",
    "leading with a disability", "menopause at work", "being the first in my family at university",
]  # fmt: skip
ASPIRATIONS = [
    "A board-level executive role within five years.",
    "A non-executive director post in a trust.",
    "Chief nurse of an acute trust.",
    "Leading an integrated care system programme.",
]


def profile_fields(rng: random.Random, categories: Sequence[MembershipCategory]) -> dict[str, Any]:
    profession = rng.choice(list(ROLES))
    organisation, organisation_type, region = rng.choice(ORGANISATIONS)
    mentors = rng.random() < 0.5
    visibility = dict(DEFAULTS)
    if rng.random() < 0.2:
        visibility["job_title"] = rng.choice([Visibility.BOARD, Visibility.ONLY_ME])
    if rng.random() < 0.2:
        visibility["region"] = Visibility.ONLY_ME
    return {
        "job_title": rng.choice(ROLES[profession]),
        "organisation": organisation,
        "organisation_type": organisation_type,
        "profession": profession,
        "region": region,
        "career_stage": rng.choice(CareerStage.values),
        "career_aspiration": rng.choice(ASPIRATIONS),
        "bio": (
            f"I work in {profession.label.lower()} and care most about "
            f"{rng.choice(TOPICS)} and {rng.choice(TOPICS)}."
        ),
        "category": rng.choice(categories) if categories else None,
        "mentoring_status": MentoringStatus.ACCEPTING if mentors else MentoringStatus.NOT_OFFERED,
        "mentoring_capacity": rng.randint(1, 3) if mentors else 0,
        "mentoring_topics": ", ".join(rng.sample(TOPICS, 3)) if mentors else "",
        "mentoring_formats": rng.sample(MentoringFormat.values, 2) if mentors else [],
        "mentoring_needs_topics": "" if mentors else ", ".join(rng.sample(TOPICS, 2)),
        "living_library_topics": rng.choice(LIVED_EXPERIENCE) if rng.random() < 0.25 else "",
        "visibility": visibility,
    }


def fill_profile(user: User, *, seed: int, category: MembershipCategory | None) -> None:
    """Give a demo member a varied profile, the same one each time for the same seed."""
    profile = Profile.objects.get(user=user)
    for field, value in profile_fields(random.Random(seed), [category] if category else []).items():
        setattr(profile, field, value)
    profile.save()


def restore_categories(
    profiles: QuerySet[Profile], categories: Sequence[MembershipCategory]
) -> None:
    """Give profiles that lost their category (another demo removed it) one of `categories`."""
    chosen: dict[int, list[int]] = {}
    for pk in profiles.filter(category=None).values_list("pk", flat=True):
        category = random.Random(pk).choice(categories)
        chosen.setdefault(category.pk, []).append(pk)
    for category_id, pks in chosen.items():
        Profile.objects.filter(pk__in=pks).update(category_id=category_id)


def numbered_email(prefix: str, number: int) -> str:
    return f"{prefix}{number:06d}@example.org"


@transaction.atomic
def create_many(
    count: int,
    *,
    password: str,
    start: int = 0,
    first_names: Sequence[str] = WOMENS_NAMES,
    email_prefix: str = "member",
) -> int:
    """Create `count` members in bulk (a few queries per thousand), numbered from `start`.

    Their addresses are `{email_prefix}000000@example.org` on; they belong to the network's
    membership categories at random.
    """
    rng = random.Random(start)
    categories = list(MembershipCategory.objects.all())
    password_hash = make_password(password)
    created = 0
    for offset in range(start, start + count, 1000):
        numbers = range(offset, min(offset + 1000, start + count))
        emails = [numbered_email(email_prefix, n) for n in numbers]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        users = User.objects.bulk_create(
            User(
                email=email,
                name=f"{rng.choice(first_names)} {rng.choice(LAST_NAMES)}",
                password=password_hash,
            )
            for email in emails
            if email not in existing
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
        )
        profiles = []
        for user in users:
            profile = Profile(user=user, display_name=user.name, **profile_fields(rng, categories))
            profile.search_document = profile.build_search_document()
            profiles.append(profile)
        Profile.objects.bulk_create(profiles)
        Profile.objects.filter(pk__in=[user.pk for user in users]).refresh_search_vectors()
        created += len(users)
    return created
