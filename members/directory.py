"""The directory's pages: members in name order, each page found from where its neighbour ended.

A page is read through the name index from a member's position (`?after=` or `?before=` their
number), so the thousandth page costs what the first does, and nothing counts every match: a
page that holds all of them says how many there are. Old `?page=N` links still open that page.
"""

from dataclasses import dataclass

from django.http import QueryDict

from members.models import Profile, ProfileQuerySet


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
    members = list(ordered[skip : skip + size + 1]) if skip else []
    if not members:
        skip, members = 0, list(ordered[: size + 1])
    return DirectoryPage(members[:size], has_previous=skip > 0, has_next=len(members) > size)
