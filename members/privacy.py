"""Who may see what of a profile: one registry of the parts a member controls, one answer.

Every page, export, search document, email and admin screen that shows another member's profile
asks `Profile.visible_to(viewer)`; a new part of a profile is one entry in `PARTS`, and the forms,
the defaults, the profile page, the directory cards and the search document follow from it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.utils import is_mfa_enabled
from django.db import models
from django.http import HttpRequest

if TYPE_CHECKING:
    from members.models import Profile, User


class Visibility(models.TextChoices):
    MEMBERS = "members", "Members"
    BOARD = "board", "Programme board only"
    ONLY_ME = "only_me", "Only me"


# Readers take Any: the Profile model imports this module, so its type is not known here yet.
Reader = Callable[[Any], object]
SearchText = Callable[[Any], list[str]]


@dataclass(frozen=True)
class ProfilePart:
    """A part of a profile whose audience its member chooses."""

    key: str
    # "Who can see {question}" on the profile form.
    question: str
    default: Visibility
    # The form field the audience question follows; None puts it at the end of the form.
    follows: str | None
    # What the profile page shows of it: (label, how to read the value).
    shown: tuple[tuple[str, Reader], ...] = ()
    # The text members may find the profile by, when the part is shown to members.
    search_text: SearchText = field(default=lambda profile: [])


def _display(name: str) -> Reader:
    return lambda profile: getattr(profile, f"get_{name}_display")()


def _text(name: str) -> Reader:
    return lambda profile: getattr(profile, name)


def _search(name: str) -> SearchText:
    return lambda profile: [getattr(profile, name)]


def _mentoring_search(profile: Any) -> list[str]:
    return [profile.mentoring_topics] if profile.offers_mentoring else []


# Where each part starts: the directory needs names, roles and places to be useful; anything
# about plans, identity or history starts closed.
PARTS: tuple[ProfilePart, ...] = (
    ProfilePart(
        "pronouns", "your pronouns", Visibility.ONLY_ME, "pronouns",
        (("Pronouns", _text("pronouns")),),
    ),
    ProfilePart(
        "job_title", "your job title", Visibility.MEMBERS, "job_title",
        (("Job title", _text("job_title")),),
        _search("job_title"),
    ),
    ProfilePart(
        "organisation", "your organisation", Visibility.MEMBERS, "organisation_type",
        (
            ("Organisation", _text("organisation")),
            ("Type of organisation", _display("organisation_type")),
        ),
        _search("organisation"),
    ),
    ProfilePart(
        "profession", "your profession", Visibility.MEMBERS, "profession",
        (("Profession", _display("profession")),),
    ),
    ProfilePart(
        "region", "your region", Visibility.MEMBERS, "region",
        (("Region", _display("region")),),
    ),
    ProfilePart(
        "category", "your membership category", Visibility.BOARD, None,
        (("Membership", lambda p: p.category.name if p.category else ""),),
    ),
    ProfilePart(
        "career_stage", "your career stage", Visibility.BOARD, "career_stage",
        (("Career stage", _display("career_stage")),),
    ),
    ProfilePart(
        "career_aspiration", "your career aspiration", Visibility.BOARD, "career_aspiration",
        (("Career aspiration", _text("career_aspiration")),),
    ),
    ProfilePart(
        "bio", "your introduction", Visibility.MEMBERS, "bio",
        (("About", _text("bio")),),
        _search("bio"),
    ),
    ProfilePart(
        "links", "your links", Visibility.MEMBERS, "links",
        (("Links", _text("links")),),
    ),
    # The offer and goals are edited on the mentoring pages; who sees them is asked with the
    # rest of the profile, at the end of its form.
    ProfilePart(
        "mentoring_offer", "your mentoring offer", Visibility.MEMBERS, None,
        (("Mentoring", lambda p: p.mentoring_offer_summary()),),
        _mentoring_search,
    ),
    ProfilePart(
        "mentoring_needs", "what you are looking for from mentoring", Visibility.BOARD,
        None,
        (("Looking for mentoring on", lambda p: p.mentoring_needs_summary()),),
    ),
    ProfilePart(
        "living_library", "your living library topics", Visibility.MEMBERS,
        "living_library_topics",
        (("Living library topics", _text("living_library_topics")),),
        _search("living_library_topics"),
    ),
    ProfilePart("photo", "your photo", Visibility.MEMBERS, None),
    ProfilePart("milestones", "your career milestones", Visibility.BOARD, None),
)  # fmt: skip

DEFAULTS: dict[str, str] = {part.key: part.default for part in PARTS}

# What a directory card shows, each part only to a viewer it is shown to, and the columns those
# parts read: the directory loads only these, so a page of cards never reads a biography.
CARD_PARTS = ("pronouns", "job_title", "organisation", "profession", "region")
CARD_FIELDS = (
    "display_name",
    "visibility",
    "photo",
    "pronouns",
    "job_title",
    "organisation",
    "organisation_type",
    "profession",
    "region",
    "updated_at",
)

AUDIENCES = {
    "owner": frozenset({Visibility.MEMBERS, Visibility.BOARD, Visibility.ONLY_ME}),
    "board": frozenset({Visibility.MEMBERS, Visibility.BOARD}),
    "member": frozenset({Visibility.MEMBERS}),
    "nobody": frozenset(),
}


def remember_new_factor(
    sender: object, request: HttpRequest, user: "User", authenticator: object, **kwargs: object
) -> None:
    """Setting up a factor proves it (a code, after the password again): count it as passed.

    allauth records a factor only when it is used to sign in; without this a board member who
    has just turned on two-factor authentication would have to sign out and in again.
    """
    record_authentication(request, user, "mfa", id=getattr(authenticator, "pk", None))


def passed_mfa(request: HttpRequest) -> bool:
    """Whether this session's person proved a second factor (at sign-in, since, or on setup)."""
    user = getattr(request, "user", None)
    records = get_authentication_records(request, user)
    # A factor removed since it was entered no longer counts.
    return any(record.get("method") == "mfa" for record in records) and is_mfa_enabled(user)


@dataclass(frozen=True)
class Viewer:
    """Someone looking at profiles: who they are, and whether the board's view is open to them.

    The board sees what members showed the board only in a session that passed two-factor
    authentication: a board member's password alone never opens it.
    """

    user_id: int | None
    board: bool = False

    @classmethod
    def of(cls, request: HttpRequest) -> "Viewer":
        user: User = request.user  # type: ignore[assignment]
        if not user.is_authenticated or not user.is_active:
            return cls(user_id=None)
        # The session answers whether a second factor was passed without a query; most viewers
        # have not, and need not be looked up in the board's group.
        return cls(user_id=user.pk, board=passed_mfa(request) and user.is_board_member)

    def audiences_on(self, owner_id: int) -> frozenset[str]:
        if self.user_id is not None and self.user_id == owner_id:
            return AUDIENCES["owner"]
        if self.board:
            return AUDIENCES["board"]
        return AUDIENCES["nobody" if self.user_id is None else "member"]


# The board site's screens: its admin site opens only to board members whose session passed
# two-factor authentication (board/admin.py), so they see what members showed the board.
BOARD_SITE = Viewer(user_id=None, board=True)


@dataclass(frozen=True)
class VisibleProfile:
    """What one viewer may see of one profile."""

    profile: "Profile"
    audiences: frozenset[str]

    def shows(self, key: str) -> bool:
        return self.profile.visibility_of(key) in self.audiences

    @property
    def details(self) -> list[tuple[str, object]]:
        return self.details_of(PARTS)

    @property
    def card(self) -> list[tuple[str, object]]:
        """The details a directory card shows (CARD_PARTS) that this viewer may see."""
        return self.details_of(part for part in PARTS if part.key in CARD_PARTS)

    def details_of(self, parts: Iterable[ProfilePart]) -> list[tuple[str, object]]:
        return [
            (label, value)
            for part in parts
            if self.shows(part.key)
            for label, read in part.shown
            if (value := read(self.profile))
        ]

    @property
    def photo(self) -> bool:
        return bool(self.profile.photo) and self.shows("photo")

    @property
    def milestones(self) -> list[object]:
        return list(self.profile.milestones.all()) if self.shows("milestones") else []

    @property
    def self_descriptions(self) -> list[object]:
        return list(
            self.profile.self_descriptions.filter(visibility__in=self.audiences).select_related(
                "characteristic"
            )
        )

    @property
    def mentoring_offer(self) -> str:
        return self.profile.mentoring_offer_summary() if self.shows("mentoring_offer") else ""
