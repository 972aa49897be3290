"""Which topics and posts a person may read: the one definition every page, and the board's
report form, find them through. Outside a space's audience, they do not exist."""

from typing import Any

from django.db.models import QuerySet

from discussions.models import Post, Space, Topic


def visible_topics(user: Any) -> QuerySet[Topic]:
    return Topic.objects.filter(space__in=Space.objects.visible_to(user), hidden=False)


def visible_posts(user: Any) -> QuerySet[Post]:
    return Post.objects.filter(topic__in=visible_topics(user))
