"""A record behind the mention, quote and reply notice, for the site-wide mail template test
(tests/network/test_mail.py)."""

from collections.abc import Callable
from typing import Any

from discussions import notify, services
from members.models import User
from tests.discussions.support import a_space
from tests.factories import MemberFactory

Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]


def _notice(why: str) -> Sample:
    def sample() -> tuple[dict[str, Any], dict[str, str]]:
        author: User = MemberFactory(name="Siobhan Kelly")
        replier: User = MemberFactory(name="Mei Chen")
        topic = services.start_topic(
            author=author, space=a_space(), title="Chairing well", body="What helped you?"
        )
        reply = services.reply(
            author=replier, topic=topic, body="Thank you, @[Siobhan Kelly]: a clear agenda."
        )
        return {"post_id": reply.pk, "member_id": author.pk, "why": why}, {}

    return sample


NOTIFY_SAMPLES: dict[str, Sample] = {notify.NOTICE: _notice(notify.MENTIONED)}
