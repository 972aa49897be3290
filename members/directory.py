"""The directory's pages: members in name order, each page found from where its neighbour ended.

A page is read through the name index from a member's position (`?after=` or `?before=` their
number), so the thousandth page costs what the first does, and nothing counts every match: a
page that holds all of them says how many there are. Old `?page=N` links still open that page.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.forms import Form
from django.http import QueryDict
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from members.models import Profile, ProfileQuerySet
from members.privacy import Viewer, VisibleProfile

CARD_TEMPLATE = "members/includes/member_card.html"
# Raise when the card's template or what it shows changes, so no process serves an old card.
CARD_VERSION = 1
CARD_SECONDS = 60 * 60
# Raise when the filter form's fields or their template change.
FORM_VERSION = 1
FORM_SECONDS = 60 * 60
# The form's lists, drawn once for each choice of them; the search box is drawn on each page so
# that no one's search words are kept in the cache.
FORM_LISTS = ("profession", "region", "category", "mentors", "living_library")


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
