"""Which topics and posts a person may read: the one definition every page, and the board's
report form, find them through. Outside a space's audience, they do not exist."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from discussions.models import Post, Space, Topic
from members.privacy import passed_mfa


def visible_topics(user: Any) -> QuerySet[Topic]:
    return Topic.objects.filter(space__in=Space.objects.visible_to(user), hidden=False)


def visible_posts(user: Any) -> QuerySet[Post]:
    return Post.objects.filter(topic__in=visible_topics(user))


def reads_as_board(request: HttpRequest) -> bool:
    """Whether the board's view of discussions (posts it hid, the documents on anyone's post) is
    open: as on the board site, only in a board member's session that passed two-factor
    authentication, so a board member's password alone opens no more than a member's."""
    return passed_mfa(request) and bool(getattr(request.user, "is_board_member", False))
