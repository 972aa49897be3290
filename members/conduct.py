"""What the board's conduct reports mean for the rest of the site.

The reports live with the board, above every other app; the apps that must keep people apart
(mentoring suggestions and rounds) ask here, and the board registers the answer from its
AppConfig.ready(). This module never imports the board.
"""

from collections.abc import Callable, Iterable

KeptApart = Callable[[list[int]], set[frozenset[int]]]
_sources: list[KeptApart] = []


def keeps_apart(source: KeptApart) -> KeptApart:
    """Register a function that, given user ids, returns the pairs among them to keep apart."""
    _sources.append(source)
    return source


def kept_apart(member_ids: Iterable[int]) -> set[frozenset[int]]:
    """Pairs of these members (frozensets of two user ids) where one reported the other."""
    ids = list(member_ids)
    pairs: set[frozenset[int]] = set()
    for source in _sources:
        pairs |= source(ids)
    return pairs
