"""Small pieces every app's views share."""

from typing import TYPE_CHECKING

from django.http import HttpRequest, QueryDict

if TYPE_CHECKING:
    # For the type checker only: at run time the site-wide layer imports no app.
    from members.models import User


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted form data, even when empty (an empty form must still show its errors)."""
    return request.POST if request.method == "POST" else None


def is_record_id(value: str) -> bool:
    """Whether a value sent by a browser can be a record's id: digits, within the database's
    range (a longer number is refused here, not by an error page from the database)."""
    return value.isascii() and value.isdigit() and int(value) < 2**63


class SignedInRequest(HttpRequest):
    """What a view behind login_required receives: a member is signed in."""

    user: "User"
