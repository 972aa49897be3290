from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def absolute_url(path_or_url: str) -> str:
    """The address on this site for a path (or for another URL's path), built from SITE_URL.

    Links in mail never take their host from the request, so a forged Host header cannot
    point them anywhere else.
    """
    parts = urlsplit(path_or_url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))
