"""The directory's pages: members in name order, each page found from where its neighbour ended.

A page is read through the name index from a member's position (`?after=` or `?before=` their
number), so the thousandth page costs what the first does, and nothing counts every match: a
page that holds all of them says how many there are. Old `?page=N` links still open that page.
"""

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.forms import Form
from django.http import QueryDict
from django.template.loader import get_template
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from members.models import Profile, ProfileQuerySet
from members.privacy import Viewer, VisibleProfile

CARD_TEMPLATE = "members/includes/member_card.html"
CARDS_TEMPLATE = "members/includes/member_cards.html"
# Raise when the card's template or what it shows changes, so no process serves an old card.
CARD_VERSION = 1
CARD_SECONDS = 60 * 60
# Raise when the filter form's fields or their template change.
FORM_VERSION = 1
FORM_SECONDS = 60 * 60
# The form's lists, drawn once for each choice of them; the search box is drawn on each page so
# that no one's search words are kept in the cache.
FORM_LISTS = ("profession", "region", "category", "mentors", "living_library")
# Raise when what a cached page holds changes.
PAGE_VERSION = 1
PAGE_SECONDS = 10 * 60
# Names the directory as it stands: any change that could add, remove, move or redraw a card
# gives it a new value, and every page cached under the old one is never read again.
DIRECTORY_STATE_KEY = "directory-state"


@dataclass(frozen=True)
class DirectoryPage:
    members: list[Profile]
    has_previous: bool
    has_next: bool

    @property
    def complete(self) -> bool:
        """Whether every match is on this page, so that its length is how many were found."""
        return not (self.has_previous or self.has_next)


def number(params: QueryDict, name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def directory_page(found: ProfileQuerySet, params: QueryDict, *, size: int) -> DirectoryPage:
    """The page of `found` that `params` ask for: after or before a member, or by number."""
    after, before = number(params, "after"), number(params, "before")
    cursor = after or before
    # The member a link was made from may have left since; their place in the order has not.
    neighbour = Profile.objects.only("display_name").filter(pk=cursor).first() if cursor else None
    if neighbour is not None and after:
        members = list(found.after(neighbour)[: size + 1])
        return DirectoryPage(members[:size], has_previous=True, has_next=len(members) > size)
    if neighbour is not None:
        members = list(found.before(neighbour)[: size + 1])
        return DirectoryPage(members[:size][::-1], has_previous=len(members) > size, has_next=True)
    ordered = found.order_by("display_name", "pk")
    skip = ((number(params, "page") or 1) - 1) * size
    # An old numbered link counts its way there through names and numbers only, then reads its
    # page as Next would; past the end, it opens the first page.
    start = list(ordered.values_list("display_name", "pk")[skip - 1 : skip]) if skip else []
    if start:
        name, pk = start[0]
        members = list(found.after(Profile(pk=pk, display_name=name))[: size + 1])
        if members:
            return DirectoryPage(members[:size], has_previous=True, has_next=len(members) > size)
    members = list(ordered[: size + 1])
    return DirectoryPage(members[:size], has_previous=False, has_next=len(members) > size)


def card_key(visible: VisibleProfile) -> str:
    """A card is what one audience may see of one saved state of a profile: saving the profile
    (any change of its fields, photo or who sees them) moves it to a new key."""
    profile = visible.profile
    audiences = ",".join(sorted(visible.audiences))
    return (
        f"directory-card:{CARD_VERSION}:{profile.pk}:{profile.updated_at.timestamp()}:{audiences}"
    )


def cards_for(profiles: list[Profile], viewer: Viewer) -> list[SafeString]:
    """Each profile's directory card as this viewer may see it, drawn once for each audience and
    saved state, and fetched from the cache together in one round trip."""
    visible = [profile.visible_to(viewer) for profile in profiles]
    keys = [card_key(each) for each in visible]
    cached = cache.get_many(keys)
    drawn = {}
    template = get_template(CARD_TEMPLATE)
    for key, each in zip(keys, visible, strict=True):
        if key not in cached:
            drawn[key] = template.render({"profile": each.profile, "visible": each})
    if drawn:
        cache.set_many(drawn, timeout=CARD_SECONDS)
    # The cards were drawn by the template above, which escaped what members wrote.
    return [mark_safe(cached.get(key) or drawn[key]) for key in keys]  # noqa: S308


def filter_form(form: Form, categories: list[tuple[int, str]]) -> SafeString:
    """The search and filter form as this page's choices fill it in.

    Drawing its lists through Django's widget templates cost more than the rest of the page, and
    they are the same for everyone who chose the same filters: they are drawn once for each
    choice and list of membership categories, and kept in the cache. A form with a mistake in it
    is drawn whole, with its error summary.
    """
    if form.errors:
        return form.render()
    chosen = [form.data.get(name, "") for name in FORM_LISTS[:3]]
    chosen += [bool(form.cleaned_data.get(name)) for name in FORM_LISTS[3:]]
    fingerprint = hashlib.sha256(repr((chosen, categories)).encode()).hexdigest()
    key = f"directory-form:{FORM_VERSION}:{fingerprint}"
    lists = cache.get(key)
    if lists is None:
        lists = "".join(form[name].as_field_group() for name in FORM_LISTS)
        cache.set(key, lists, timeout=FORM_SECONDS)
    # Both parts were drawn by the form's templates, which escaped what was typed or chosen.
    return mark_safe(form["q"].as_field_group() + lists)  # noqa: S308


class Edge(NamedTuple):
    """The first or last member on a page, as its heading and Previous and Next links name them."""

    pk: int
    display_name: str


@dataclass(frozen=True)
class Listing:
    """What a directory page shows of the members it found: their cards, and where it stands."""

    # The page's cards, drawn together.
    cards: SafeString
    count: int
    has_previous: bool
    has_next: bool
    first: Edge | None
    last: Edge | None
    numbers: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """Whether every match is on this page, so that its length is how many were found."""
        return not (self.has_previous or self.has_next)


def directory_changed(**kwargs: object) -> None:
    """A profile or account changed: every cached directory page is forgotten, at once and
    again when the change commits (a page read meanwhile may have seen the rows before it)."""
    forget = lambda: cache.set(DIRECTORY_STATE_KEY, uuid.uuid4().hex, timeout=None)  # noqa: E731
    forget()
    transaction.on_commit(forget)


def account_changed(update_fields: frozenset[str] | None = None, **kwargs: object) -> None:
    # Signing in saves the account's last sign-in, which no directory page shows.
    if update_fields is None or not update_fields <= {"last_login", "password"}:
        directory_changed()


def _shared_cache() -> bool:
    """Whether the cache answering now is the one every process shares: while Redis is away each
    process keeps its own, which another process's change cannot reach."""
    shared: Callable[[], bool] | None = getattr(cache, "is_shared", None)
    return shared is None or shared()


def listing_for(
    params: QueryDict, viewer: Viewer, find: Callable[[], ProfileQuerySet], *, size: int
) -> Listing:
    """The page of the directory that `params` ask for, as this viewer may see it.

    Pages are kept whole in the cache for the viewers who see the same of everyone on them
    (members, or the board after two-factor authentication), under the directory's current
    state: a profile saved, an account switched off or on, or a member leaving moves the
    directory to a new state, so no page drawn before it is shown again. A page holding the
    viewer's own card, on which they see more of themselves, is drawn for them alone.
    """
    state = cache.get(DIRECTORY_STATE_KEY)
    if state is None:
        cache.add(DIRECTORY_STATE_KEY, uuid.uuid4().hex, timeout=None)
        state = cache.get(DIRECTORY_STATE_KEY)
    usable = state is not None and _shared_cache()
    audience = "board" if viewer.board else "member" if viewer.user_id else "nobody"
    # The search words are in the address: the key holds only a keyed hash of them.
    address = salted_hmac("directory-page", repr(sorted(params.lists()))).hexdigest()
    key = f"directory-page:{PAGE_VERSION}:{state}:{audience}:{address}"
    kept: Listing | None = cache.get(key) if usable else None
    if kept is not None and viewer.user_id not in kept.numbers:
        return kept
    page = directory_page(find(), params, size=size)
    members = page.members
    cards = get_template(CARDS_TEMPLATE).render({"cards": cards_for(members, viewer)})
    listing = Listing(
        # Drawn by the template, which escaped what members wrote.
        cards=mark_safe(cards),  # noqa: S308
        count=len(members),
        has_previous=page.has_previous,
        has_next=page.has_next,
        first=Edge(members[0].pk, members[0].display_name) if members else None,
        last=Edge(members[-1].pk, members[-1].display_name) if members else None,
        numbers=tuple(member.pk for member in members),
    )
    if usable and viewer.user_id not in listing.numbers:
        cache.set(key, listing, timeout=PAGE_SECONDS)
    return listing


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from members.models import User
    from network.models import MembershipCategory

    hooks: list[tuple[Any, str, Callable[..., None], type]] = [
        (post_save, "saved", directory_changed, Profile),
        (post_delete, "deleted", directory_changed, Profile),
        (post_save, "saved", account_changed, User),
        (post_delete, "deleted", directory_changed, User),
        # A category removed leaves its members without one, and the filter finds them no more.
        (post_delete, "deleted", directory_changed, MembershipCategory),
    ]
    for signal, happened, hook, sender in hooks:
        signal.connect(hook, sender=sender, dispatch_uid=f"directory-{sender.__name__}-{happened}")
