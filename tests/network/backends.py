"""Mail backends for tests: providers that refuse or are slow, and files a test can count."""

import os
import time
import uuid
from collections.abc import Sequence

from anymail.exceptions import AnymailAPIError
from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class RefusingBackend(LocmemBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise AnymailAPIError("The provider is unavailable (503)")


class SlowBackend(LocmemBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        time.sleep(0.3)
        return super().send_messages(email_messages)


class RefusingOneAddressBackend(LocmemBackend):
    """A provider that refuses one address and takes the rest, counting the connections opened."""

    REFUSED = "refused@example.org"
    opened = 0

    def open(self) -> bool | None:
        type(self).opened += 1
        return super().open()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if any(self.REFUSED in message.to for message in email_messages):
            raise AnymailAPIError("The provider refused the recipient (422)")
        return super().send_messages(email_messages)


class FilePerConnectionBackend(FileBackend):
    """Django's file backend, with a file for every connection it opens.

    Django names the file after the time and the backend object's id, so two connections made
    in the same second, one after the other, can share an id and append to one file.
    """

    def _get_filename(self) -> str:
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{uuid.uuid4().hex}.log")
        return self._fname
