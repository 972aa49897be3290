from collections.abc import Iterable
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from members.privacy import CARD_FIELDS, DEFAULTS, PARTS, Viewer, Visibility, VisibleProfile

BOARD_GROUP = "Programme board"
# The most mentees anyone may take on at once: more would be a programme, not mentoring.
MAX_MENTEES = 10


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An account needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def yet_to_accept(self, version: str) -> "models.QuerySet[User]":
        """Members using the network who have not accepted this version of the guidelines (an
        account without a profile, the operator's, is no member and accepts nothing)."""
        accepted = GuidelinesAcceptance.objects.filter(
            user=models.OuterRef("pk"), guidelines_version=version
        )
        return self.filter(is_active=True, profile__isnull=False).exclude(models.Exists(accepted))


class User(AbstractBaseUser, PermissionsMixin):
    """An account on the network. People sign in with their email address, not a username."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(
        max_length=150, blank=True, help_text="The name the network greets this person by."
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick to stop this person signing in, instead of deleting them."
    )
    is_staff = models.BooleanField(
        "can use the board site",
        default=False,
        help_text="Board members also need two-factor authentication to get in.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised to end every session the account has open (a suspension does), without touching
    # its password: each session carries a hash that includes it.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "account"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="unique_email_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's session hash (current key and fallbacks both come through here) with the
        # generation mixed in; generation 0 keeps Django's own, so older sessions stay valid.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "members.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else ""

    @cached_property
    def is_board_member(self) -> bool:
        return self.is_active and (
            self.is_superuser or self.groups.filter(name=BOARD_GROUP).exists()
        )


class OrganisationType(models.TextChoices):
    TRUST = "trust", "NHS trust"
    ICB = "icb", "Integrated care board"
    PRIMARY_CARE = "primary_care", "Primary care"
    SOCIAL_CARE = "social_care", "Social care"
    NATIONAL_BODY = "national_body", "National body"
    OTHER = "other", "Other"


class Region(models.TextChoices):
    EAST_OF_ENGLAND = "east_of_england", "East of England"
    LONDON = "london", "London"
    MIDLANDS = "midlands", "Midlands"
    NORTH_EAST_YORKSHIRE = "north_east_yorkshire", "North East and Yorkshire"
    NORTH_WEST = "north_west", "North West"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class Profession(models.TextChoices):
    NURSING = "nursing", "Nursing"
    MIDWIFERY = "midwifery", "Midwifery"
    MEDICINE = "medicine", "Medicine"
    ALLIED_HEALTH = "allied_health", "Allied health professions"
    PHARMACY = "pharmacy", "Pharmacy"
    HEALTHCARE_SCIENCE = "healthcare_science", "Healthcare science"
    SOCIAL_WORK = "social_work", "Social work and social care"
    MANAGEMENT = "management", "General management"
    FINANCE = "finance", "Finance"
    PEOPLE = "people", "People and HR"
    DIGITAL = "digital", "Digital, data and technology"
    ESTATES = "estates", "Estates and facilities"
    COMMUNICATIONS = "communications", "Communications"
    OTHER = "other", "Other"


class CareerStage(models.TextChoices):
    EARLY = "early", "Early career"
    MIDDLE = "middle", "Middle manager or senior clinician"
    SENIOR = "senior", "Senior leader"
    EXECUTIVE = "executive", "Director or executive"
    BOARD = "board", "Board member"


class MentoringStatus(models.TextChoices):
    NOT_OFFERED = "not_offered", "I am not offering mentoring"
    ACCEPTING = "accepting", "I can take on a mentee now"
    PAUSED = "paused", "I offer mentoring, but I am not taking anyone on just now"


class ProfessionPreference(models.TextChoices):
    ANY = "", "No preference"
    SAME = "same", "Someone from my own profession"
    OTHER = "other", "Someone from another profession"


class CategoryPreference(models.TextChoices):
    ANY = "", "No preference"
    SAME = "same", "Someone in my own membership category"


class MentoringFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone"


# The parts of a profile that make it useful to others, for the home page's "how complete".
COMPLETENESS_FIELDS = [
    ("job_title", "your job title"),
    ("organisation", "your organisation"),
    ("profession", "your profession"),
    ("region", "your region"),
    ("career_aspiration", "your career aspiration"),
    ("bio", "an introduction"),
    ("photo", "a photo"),
]


class ProfileQuerySet(models.QuerySet["Profile"]):
    def in_directory(self) -> "ProfileQuerySet":
        return self.filter(user__is_active=True).select_related("category")

    def as_cards(self) -> "ProfileQuerySet":
        """Only the columns a directory card reads: no biography, search text or vector."""
        return self.select_related(None).only(*CARD_FIELDS)

    def after(self, profile: "Profile") -> "ProfileQuerySet":
        """Those after `profile` in the directory's order (name, then number), reached through
        the name index from where it stands instead of counting every row before it."""
        return (
            self.filter(display_name__gte=profile.display_name)
            .exclude(display_name=profile.display_name, pk__lte=profile.pk)
            .order_by("display_name", "pk")
        )

    def before(self, profile: "Profile") -> "ProfileQuerySet":
        """Those before `profile` in the directory's order, nearest first."""
        return (
            self.filter(display_name__lte=profile.display_name)
            .exclude(display_name=profile.display_name, pk__gte=profile.pk)
            .order_by("-display_name", "-pk")
        )

    def refresh_search_vectors(self) -> int:
        """Rebuild the PostgreSQL search vectors from the search documents (no-op elsewhere)."""
        if connection.vendor != "postgresql":
            return 0
        return self.update(search_vector=SearchVector("search_document", config="english"))

    def visible_as(self, field: str, value: object) -> "ProfileQuerySet":
        """Profiles whose `field` equals `value` and is shown to members."""
        return self.filter(**{field: value, f"visibility__{field}": Visibility.MEMBERS})


class Profile(models.Model):
    """What a member tells the network about themselves, each part shown to whom they choose."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    display_name = models.CharField(max_length=150)
    pronouns = models.CharField(max_length=40, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    organisation_type = models.CharField(
        max_length=20, choices=OrganisationType.choices, blank=True
    )
    profession = models.CharField(max_length=30, choices=Profession.choices, blank=True)
    region = models.CharField(max_length=30, choices=Region.choices, blank=True)
    career_stage = models.CharField(max_length=20, choices=CareerStage.choices, blank=True)
    # Each text has a limit a person will not reach, so pasted megabytes are refused by the form
    # instead of overflowing the search vector (PostgreSQL holds at most 1 MB in one).
    career_aspiration = models.TextField(max_length=1000, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    photo = models.ImageField(upload_to="photos/", blank=True)
    links = models.TextField(max_length=1000, blank=True, help_text="One web address a line.")
    category = models.ForeignKey(
        "network.MembershipCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    # The mentoring offer: whether, how many, on what (topics from the board's list and a few
    # words of the member's own) and how; the region for in person is the profile's region.
    mentoring_status = models.CharField(
        max_length=20, choices=MentoringStatus.choices, default=MentoringStatus.NOT_OFFERED
    )
    mentoring_capacity = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_MENTEES)]
    )
    offered_topics = models.ManyToManyField(
        "network.MentoringTopic", blank=True, related_name="mentors"
    )
    mentoring_topics = models.TextField(max_length=500, blank=True)
    mentoring_formats = models.JSONField(default=list, blank=True)
    # The mentee's goals: what they hope to achieve, topics wanted and their preferences.
    mentoring_goals = models.TextField(max_length=2000, blank=True)
    wanted_topics = models.ManyToManyField(
        "network.MentoringTopic", blank=True, related_name="mentees"
    )
    mentoring_needs_topics = models.TextField(max_length=500, blank=True)
    preferred_format = models.CharField(max_length=20, choices=MentoringFormat.choices, blank=True)
    preferred_profession = models.CharField(
        max_length=10, choices=ProfessionPreference.choices, blank=True
    )
    preferred_category = models.CharField(
        max_length=10, choices=CategoryPreference.choices, blank=True
    )
    mentor_from_own_organisation = models.BooleanField(
        "a mentor from my own organisation is fine",
        default=False,
        help_text="Otherwise suggestions leave out mentors who work where you do.",
    )
    living_library_topics = models.TextField(max_length=500, blank=True)
    visibility = models.JSONField(default=dict, blank=True)
    # What members may search for: only text they chose to show members (see update_search).
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        # The search vector's GIN index is made by migration 0003 on PostgreSQL only.
        # The directory's order, name then number, so each page starts where the last one ended;
        # and for each filter, the members who show that part to members, in the same order.
        indexes = [
            models.Index(fields=["display_name", "user"], name="profile_name_order"),
            *(
                models.Index(
                    fields=[field, "display_name", "user"],
                    condition=models.Q(**{f"visibility__{field}": Visibility.MEMBERS}),
                    name=f"profile_shown_{field}",
                )
                for field in ("profession", "region", "category")
            ),
            models.Index(
                fields=["display_name", "user"],
                condition=models.Q(
                    mentoring_status=MentoringStatus.ACCEPTING,
                    visibility__mentoring_offer=Visibility.MEMBERS,
                ),
                name="profile_shown_mentors",
            ),
            models.Index(
                fields=["display_name", "user"],
                condition=~models.Q(living_library_topics="")
                & models.Q(visibility__living_library=Visibility.MEMBERS),
                name="profile_shown_living_library",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_visibility_defaults()
        shown: Iterable[str] = ()
        if not self._state.adding:
            shown = self.self_descriptions.filter(visibility=Visibility.MEMBERS).values_list(
                "description", flat=True
            )
        self.search_document = self.build_search_document(shown)
        # The row and its search vector change together: a vector PostgreSQL refuses must not
        # leave a saved profile that search still finds by its old words.
        with transaction.atomic():
            super().save(*args, **kwargs)
            Profile.objects.filter(pk=self.pk).refresh_search_vectors()

    def visibility_of(self, field: str) -> str:
        return self.visibility.get(field, DEFAULTS[field])

    def shown_to_members(self, field: str) -> bool:
        return self.visibility_of(field) == Visibility.MEMBERS

    def fill_visibility_defaults(self) -> None:
        self.visibility = {**DEFAULTS, **self.visibility}

    def missing_fields(self) -> list[str]:
        """What a member has not told the network yet, in the words the home page uses."""
        return [words for field, words in COMPLETENESS_FIELDS if not getattr(self, field)]

    def completeness(self) -> int:
        return round(100 * (1 - len(self.missing_fields()) / len(COMPLETENESS_FIELDS)))

    @property
    def offers_mentoring(self) -> bool:
        return self.mentoring_status != MentoringStatus.NOT_OFFERED

    @property
    def accepting_mentees(self) -> bool:
        return self.mentoring_status == MentoringStatus.ACCEPTING

    def mentoring_offer_summary(self) -> str:
        if not self.offers_mentoring:
            return ""
        formats = ", ".join(
            MentoringFormat(value).label.lower() for value in self.mentoring_formats
        )
        parts = [
            f"Can mentor up to {self.mentoring_capacity} at once"
            if self.accepting_mentees
            else "Not taking on a mentee just now"
        ]
        if self.mentoring_topics:
            parts.append(f"on {self.mentoring_topics}")
        if formats:
            parts.append(f"({formats})")
        return " ".join(parts)

    def mentoring_needs_summary(self) -> str:
        return "\n".join(
            part for part in [self.mentoring_needs_topics, self.mentoring_goals] if part
        )

    def build_search_document(self, shown_self_descriptions: Iterable[str] = ()) -> str:
        """The text members may find this profile by: only what its member shows them."""
        parts = [self.display_name]
        for part in PARTS:
            if self.shown_to_members(part.key):
                parts.extend(part.search_text(self))
        parts.extend(shown_self_descriptions)
        return "\n".join(part for part in parts if part)

    def visible_to(self, viewer: Viewer) -> VisibleProfile:
        return VisibleProfile(self, viewer.audiences_on(self.pk))


class CareerMilestone(models.Model):
    """A step in a member's career, such as "appointed non-executive director"."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="milestones")
    achieved_on = models.DateField()
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["-achieved_on"]

    def __str__(self) -> str:
        return self.description


class SensitiveDataConsent(models.Model):
    """A member's explicit consent to hold their self-description, and its withdrawal."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sensitive_consents")
    wording_version = models.CharField(max_length=20)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"consent {self.wording_version}"


class SelfDescription(models.Model):
    """How a member describes one sensitive characteristic, held only with their consent."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="self_descriptions")
    characteristic = models.ForeignKey(
        "network.SensitiveCharacteristic", on_delete=models.CASCADE, related_name="+"
    )
    description = models.CharField(max_length=200)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.ONLY_ME
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "characteristic"], name="one_description_per_characteristic"
            )
        ]

    def __str__(self) -> str:
        return "self-description"


class GuidelinesAcceptance(models.Model):
    """A member's acceptance of the guidelines and privacy notice, with the versions they saw."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="acceptances")
    guidelines_version = models.CharField(max_length=20)
    privacy_version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-accepted_at"]

    def __str__(self) -> str:
        return f"guidelines {self.guidelines_version}, privacy {self.privacy_version}"


class SuspensionQuerySet(models.QuerySet["Suspension"]):
    def current(self) -> "SuspensionQuerySet":
        return self.filter(lifted_at__isnull=True)


class Suspension(models.Model):
    """A time when a member may not use the network, from the board's decision on a report.

    While it is current the account cannot sign in; it ends on its date (or when the board lifts
    an open-ended one) and `lifted_at` records when access came back.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="suspensions")
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: until the board lifts it."
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_current_suspension",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="suspension_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"suspension {self.pk}"
