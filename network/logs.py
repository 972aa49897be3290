"""Keep secrets and personal data out of the logs.

Logs are read by operators and kept by hosting providers; the network promises its members and
applicants that they carry ids and events only. Two places write them: Django and our own code
through `logging` (RedactingFilter, installed on every handler in settings.LOGGING), and gunicorn's
access log, which it writes itself (GunicornLogger, named in gunicorn.conf.py).

What goes: anything that looks like an email address; the secret part of every link that works
without signing in (invitations, an applicant's own pages, unsubscribe, password reset, address
confirmation and a member's calendar feed), whose holder could act as its owner; and every query
string, which carries search terms and filters that say who someone was looking for.
"""

import logging
import re
from datetime import timedelta
from typing import Any

from gunicorn import glogging

from network.middleware import current_request_id

PLACEHOLDER = "[redacted]"

# Paths whose next segments are a bearer secret: whoever has the link can use it.
PRIVATE_LINK_PREFIXES = (
    "/invitation/",
    "/join/more/",
    "/join/withdraw/",
    "/email/stop/",
    "/accounts/password/reset/key/",
    "/accounts/confirm-email/",
    "/events/feed/",
    "/reports/appeal/",
)

_EMAIL = re.compile(r"[\w.+'%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_PRIVATE_LINK = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in PRIVATE_LINK_PREFIXES) + r")[^\s?#\"'<>]+"
)
# A query string after a path or URL: from "?" to the next space or quote.
_QUERY = re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]*")


def redact(text: str) -> str:
    """The text without query strings, link secrets or email addresses."""
    text = _QUERY.sub(r"\1", text)
    text = _PRIVATE_LINK.sub(lambda match: f"{match.group(1)}{PLACEHOLDER}/", text)
    return _EMAIL.sub("[email]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record, its arguments and its traceback through `redact`, and keeps it."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):
            return True
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        # A record passes through several handlers; redacting once is enough.
        record.redacted = True
        return True


class RequestIdFilter(logging.Filter):
    """Names the request a line was written for (its X-Request-ID), or "-" outside a request, so
    the lines of one request, and its audit entries, can be found together."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


# gunicorn's access-log atoms that carry a URL, and request or response headers that carry a
# credential. Atoms from the WSGI environment ({...}e) repeat both, so none are offered.
_URL_ATOMS = ("f", "{referer}i", "{location}o")
_SECRET_HEADER_ATOMS = (
    "{cookie}i",
    "{authorization}i",
    "{proxy-authorization}i",
    "{x-csrftoken}i",
    "{set-cookie}o",
)


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with the request line, referrer and headers cleaned before writing."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.addFilter(RedactingFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(str(environ.get("RAW_URI", "")).partition("?")[0])
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms.update(r=f"{method} {path} {protocol}", U=path, q="")
        for name in _URL_ATOMS:
            if name in atoms:
                atoms[name] = redact(str(atoms[name]))
        for name in _SECRET_HEADER_ATOMS:
            atoms.pop(name, None)
        for name in [name for name in atoms if name.endswith("}e")]:
            del atoms[name]
        return atoms
