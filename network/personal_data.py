"""What the site holds about a person, gathered from every app: "download my data" and erasure.

The apps register here from their AppConfig.ready(); this module never imports them.
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

Section = Callable[[Any], Any]
_sections: dict[str, Section] = {}


def contributes(name: str) -> Callable[[Section], Section]:
    """Register a function that returns what one app holds about a person, as plain data."""

    def register(section: Section) -> Section:
        _sections[name] = section
        return section

    return register


Eraser = Callable[[Any], None]
_erasers: list[Eraser] = []


def erases(eraser: Eraser) -> Eraser:
    """Register a function that removes what one app holds about a person who leaves."""
    _erasers.append(eraser)
    return eraser


def erase_for(user: Any) -> None:
    for eraser in _erasers:
        eraser(user)


def export_for(user: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for name, section in _sections.items():
        data[name] = section(user)
    return data


Withdrawer = Callable[[Any], None]
_withdrawers: list[Withdrawer] = []


def withdraws(withdrawer: Withdrawer) -> Withdrawer:
    """Register a function that removes what a person wrote for other members to read (their
    discussion posts), for when they choose to take it with them as they leave. Without that
    choice it stays, under "a former member"."""
    _withdrawers.append(withdrawer)
    return withdrawer


def withdraw_for(user: Any) -> None:
    for withdrawer in _withdrawers:
        withdrawer(user)
