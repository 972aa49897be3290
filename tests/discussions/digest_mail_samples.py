"""The daily digest as the real run queues it, for the site-wide mail template test
(tests/network/test_mail.py)."""

from collections.abc import Callable
from typing import Any

from discussions import digest, services
from discussions.models import Follow
from network.models import OutboundEmail
from tests.discussions.support import a_space
from tests.factories import MemberFactory

Sample = Callable[[], tuple[dict[str, Any], dict[str, str]]]


def _digest() -> tuple[dict[str, Any], dict[str, str]]:
    reader = MemberFactory(name="Amara Okafor")
    writer = MemberFactory(name="Siobhan Kelly")
    space = a_space("Board readiness")
    Follow.objects.create(member=reader, space=space)
    topic = services.start_topic(
        author=writer, space=space, title="Preparing for a NED interview", body="What helped?"
    )
    services.reply(author=MemberFactory(), topic=topic, body="Reading the annual report.")
    digest.send_digests()
    return OutboundEmail.objects.get(template=digest.TEMPLATE, recipient=reader).context, {}


DIGEST_SAMPLES: dict[str, Sample] = {digest.TEMPLATE: _digest}
