"""Mail backends for tests: a provider that always refuses, and one that is slow to answer."""

import time
from collections.abc import Sequence

from anymail.exceptions import AnymailAPIError
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(LocmemBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise AnymailAPIError("The provider is unavailable (503)")


class SlowBackend(LocmemBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        time.sleep(0.3)
        return super().send_messages(email_messages)
