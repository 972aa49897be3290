"""Small pieces every app's views share."""

from typing import TYPE_CHECKING

from django.http import HttpRequest, QueryDict

if TYPE_CHECKING:
    # For the type checker only: at run time the site-wide layer imports no app.
    from members.models import User


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted form data, even when empty (an empty form must still show its errors)."""
    return request.POST if request.method == "POST" else None


class SignedInRequest(HttpRequest):
    """What a view behind login_required receives: a member is signed in."""

    user: "User"
