"""What the apps add to the reputation summary the board reads when vetting an application: a
line about each nominator and endorser, from the app that knows that part of their record.

invitations shows the summary; the apps that keep a member's record (mentoring) register here
from their AppConfig.ready(), so invitations needs none of them and this module imports no app.
"""

from collections.abc import Callable, Sequence

# Given the members the board is reading about, each one's line (by account id) that the board
# may see; a member missing from the answer has nothing to show the board.
Source = Callable[[Sequence[int]], dict[int, str]]
_sources: dict[str, Source] = {}


def contributes(label: str) -> Callable[[Source], Source]:
    """Register a source of lines for the summary, under the label the board reads."""

    def register(source: Source) -> Source:
        _sources[label] = source
        return source

    return register


def reputation_of(member_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """For each member, the (label, line) pairs every registered app gives: one call per app,
    whatever the number of members."""
    lines: dict[int, list[tuple[str, str]]] = {member_id: [] for member_id in member_ids}
    for label, source in _sources.items():
        for member_id, line in source(member_ids).items():
            lines.setdefault(member_id, []).append((label, line))
    return lines


def labels() -> list[str]:
    return list(_sources)
