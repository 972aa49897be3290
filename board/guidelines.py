"""The guidelines and code of conduct: drafts, publishing a version, and members accepting it.

Every member must have accepted the current version to use the network. The current version is
read on every page a member opens, so it is cached (and forgotten when a version is published),
and a member's acceptance is remembered in their session once it has been checked.
"""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from board.models import GuidelinesVersion
from members.models import GuidelinesAcceptance, User
from network.errors import Refused
from network.models import AuditAction, NetworkSettings, record

CURRENT_CACHE_KEY = "guidelines:current"
CURRENT_CACHE_SECONDS = 60 * 60
# The version this session's member is known to have accepted.
SESSION_KEY = "guidelines_accepted"
# Cached when nothing is published yet, so that too costs no query.
_NOTHING_PUBLISHED = "nothing published"


class GuidelinesRefusal(models.TextChoices):
    PUBLISHED = (
        "published",
        "This version is published, so it can no longer change. Write a new version instead.",
    )
    NOT_CURRENT = (
        "not_current",
        "These are not the current guidelines: read the current version, then accept it.",
    )


def current() -> GuidelinesVersion | None:
    """The version members must have accepted: the one published last."""
    found = cache.get(CURRENT_CACHE_KEY)
    if found is None:
        found = GuidelinesVersion.objects.published().first() or _NOTHING_PUBLISHED
        cache.set(CURRENT_CACHE_KEY, found, timeout=CURRENT_CACHE_SECONDS)
    return None if found == _NOTHING_PUBLISHED else found


def _forget_current() -> None:
    cache.delete(CURRENT_CACHE_KEY)
    # A page that reads the current version before the publication commits caches the old one
    # again: forget it once more when the new one is visible to everyone.
    transaction.on_commit(lambda: cache.delete(CURRENT_CACHE_KEY))


@transaction.atomic
def save_draft(*, draft: GuidelinesVersion, actor: User) -> GuidelinesVersion:
    """Save a new or changed draft. A published version never changes."""
    if draft.pk is not None:
        saved = GuidelinesVersion.objects.select_for_update().get(pk=draft.pk)
        if saved.is_published:
            raise Refused(GuidelinesRefusal.PUBLISHED)
    draft.published_at, draft.published_by = None, None
    draft.save()
    record(
        actor=actor,
        action=AuditAction.GUIDELINES_DRAFTED,
        target=draft,
        data={"version": draft.version},
    )
    return draft


@transaction.atomic
def publish(*, version: GuidelinesVersion, actor: User) -> GuidelinesVersion:
    """Publish a draft: from now on every member is asked to accept it before going on."""
    draft = GuidelinesVersion.objects.select_for_update().get(pk=version.pk)
    if draft.is_published:
        raise Refused(GuidelinesRefusal.PUBLISHED)
    draft.published_at, draft.published_by = timezone.now(), actor
    draft.save(update_fields=["published_at", "published_by"])
    # Invitations record the version new members accept as they join from the settings.
    network, _ = NetworkSettings.objects.select_for_update().get_or_create(pk=1)
    network.guidelines_version = draft.version
    network.save(update_fields=["guidelines_version", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.GUIDELINES_PUBLISHED,
        target=draft,
        data={"version": draft.version},
    )
    _forget_current()
    return draft


@transaction.atomic
def accept(*, user: User, version_label: str) -> GuidelinesAcceptance:
    """Record that the member accepted this version, which must be the current one.

    Accepting twice records it once.
    """
    latest = current()
    if latest is None or latest.version != version_label:
        raise Refused(GuidelinesRefusal.NOT_CURRENT)
    # Two pages sending the form at once must not record the acceptance twice.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = GuidelinesAcceptance.objects.filter(user=user, guidelines_version=version_label)
    if found := existing.first():
        return found
    acceptance = GuidelinesAcceptance.objects.create(
        user=user,
        guidelines_version=version_label,
        privacy_version=NetworkSettings.load().privacy_version,
    )
    record(
        actor=user,
        action=AuditAction.GUIDELINES_ACCEPTED,
        target=acceptance,
        data={"version": version_label, "privacy_version": acceptance.privacy_version},
    )
    return acceptance


def is_bound_by(user: User, version: GuidelinesVersion) -> bool:
    """Whether this account still has to accept the version: a member who has not yet.

    An account without a member profile (the operator's) is no member: it has nothing to accept.
    """
    done = Q(acceptances__guidelines_version=version.version) | Q(profile__isnull=True)
    return not User.objects.filter(done, pk=user.pk).exists()


def remember_acceptance(session: SessionBase, version: GuidelinesVersion) -> None:
    session[SESSION_KEY] = version.version


def needs_acceptance(user: User, session: SessionBase) -> bool:
    """Whether this member must accept the current guidelines before going on.

    Once the member is known to have accepted, the session says so and no query is made.
    """
    latest = current()
    if latest is None or session.get(SESSION_KEY) == latest.version:
        return False
    if is_bound_by(user, latest):
        return True
    remember_acceptance(session, latest)
    return False


def check_at_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Checked as the member signs in, the session knows the answer before their first page.
    needs_acceptance(user, request.session)


def connect() -> None:
    user_logged_in.connect(check_at_sign_in, dispatch_uid="guidelines_check_at_sign_in")
