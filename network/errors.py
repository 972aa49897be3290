"""Domain refusals shared by every app: a rule said no, with a code and words for a person."""

from enum import Enum


class Refused(Exception):
    """A rule said no. Nothing was changed.

    `code` is a member of the refusing app's own enum, for views to pick a page or status by;
    `message` says why in words for the person who asked (by default the code's label).
    """

    def __init__(self, code: Enum, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else str(getattr(code, "label", code.value))
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
