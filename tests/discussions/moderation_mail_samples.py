"""A record behind each moderation message, for the site-wide mail template test
(tests/network/test_mail.py)."""

from collections.abc import Callable
from typing import Any

from discussions import moderation, services
from tests.discussions.support import a_space
from tests.factories import BoardMemberFactory, MemberFactory

Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]


def _hidden() -> tuple[dict[str, Any], dict[str, str]]:
    author = MemberFactory(name="Siobhan Kelly")
    topic = services.start_topic(
        author=author, space=a_space(), title="Chairing well", body="Name and shame them."
    )
    post = topic.posts.get()
    moderation.hide_post(
        board_member=BoardMemberFactory(),
        post=post,
        reason="It names a colleague and judges them in public.",
    )
    return {"post_id": post.pk}, {}


MODERATION_SAMPLES: dict[str, Sample] = {"discussions/post_hidden": _hidden}
