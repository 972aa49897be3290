from collections.abc import Collection
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from members.models import (
    BOARD_GROUP,
    Profile,
    SelfDescription,
    SensitiveDataConsent,
    User,
    Visibility,
)
from members.privacy import DEFAULTS
from network import mail
from network.models import (
    OPTIONAL_EMAIL_CATEGORIES,
    AuditAction,
    EmailOptOut,
    OutboundEmail,
    SensitiveCharacteristic,
    record,
)
from network.personal_data import erase_for, export_for, withdraw_for

# The version of the words a member agrees to before describing sensitive characteristics
# (templates/members/self_description.html). Change it whenever those words change.
SENSITIVE_CONSENT_VERSION = "2026-11"


class ConsentRequired(Exception):
    pass


@transaction.atomic
def appoint_to_board(*, user: User) -> None:
    """Give a member the board's access to the admin; they still need MFA to use it."""
    group, _ = Group.objects.get_or_create(name=BOARD_GROUP)
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def create_member(*, email: str, name: str, password: str | None) -> User:
    """Create an account whose address is already confirmed (it came through an invitation)."""
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    Profile.objects.create(user=user, display_name=name or user.email.split("@")[0])
    return user


def profile_for(user: User) -> Profile | None:
    """A member's own profile. Operator accounts have none, and looking never makes one."""
    return Profile.objects.filter(user=user).first()


@transaction.atomic
def save_profile(*, profile: Profile) -> None:
    """Save a member's edited profile. A change of who sees a part is audited by the part's name
    and its audiences before and after, never by what the part says."""
    stored = Profile.objects.select_for_update().values_list("visibility", flat=True)
    before = {**DEFAULTS, **stored.get(pk=profile.pk)}
    profile.save()
    changes = {
        part: [before.get(part), audience]
        for part, audience in sorted(profile.visibility.items())
        if before.get(part) != audience
    }
    if changes:
        record(
            actor=profile.user,
            action=AuditAction.PRIVACY_CHANGED,
            target=profile.user,
            data={"visibility": changes},
        )


@transaction.atomic
def set_photo(*, profile: Profile, photo: ContentFile) -> None:
    """Store a photo made ready by members.photos.prepare_photo, replacing any earlier one."""
    # Locked, two uploads at once each replace the other's file, and no file is left behind.
    old = Profile.objects.select_for_update().values_list("photo", flat=True).get(pk=profile.pk)
    profile.photo.save(photo.name or "photo.jpg", photo, save=False)
    profile.save()
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))


@transaction.atomic
def remove_photo(*, profile: Profile) -> None:
    old = profile.photo.name
    profile.photo = ""
    profile.save()
    if old:
        transaction.on_commit(lambda: default_storage.delete(old))


def has_sensitive_consent(user: User) -> bool:
    return user.sensitive_consents.filter(withdrawn_at=None).exists()


@transaction.atomic
def give_sensitive_consent(*, user: User) -> SensitiveDataConsent:
    # Locked, a double click gives consent (and is audited) once.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = user.sensitive_consents.filter(
        withdrawn_at=None, wording_version=SENSITIVE_CONSENT_VERSION
    ).first()
    if existing:
        return existing
    consent = SensitiveDataConsent.objects.create(
        user=user, wording_version=SENSITIVE_CONSENT_VERSION
    )
    record(
        actor=user,
        action=AuditAction.CONSENT_GIVEN,
        target=user,
        data={"consent": "self-description", "wording_version": SENSITIVE_CONSENT_VERSION},
    )
    return consent


@transaction.atomic
def withdraw_sensitive_consent(*, user: User) -> None:
    """Withdrawing consent deletes every self-description at once."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    given = user.sensitive_consents.filter(withdrawn_at=None)
    versions = sorted(set(given.values_list("wording_version", flat=True)))
    if given.update(withdrawn_at=timezone.now()):
        record(
            actor=user,
            action=AuditAction.CONSENT_WITHDRAWN,
            target=user,
            data={"consent": "self-description", "wording_versions": versions},
        )
    profile = profile_for(user)
    if profile is not None:
        profile.self_descriptions.all().delete()
        profile.save()


@transaction.atomic
def save_self_descriptions(*, profile: Profile, entries: dict[int, tuple[str, str]]) -> None:
    """Replace a member's self-descriptions: {characteristic id: (description, visibility)}."""
    if not has_sensitive_consent(profile.user):
        raise ConsentRequired("Agree to how we hold this information before adding it.")
    # Two saves at once would each delete, then both insert: the profile's lock takes turns.
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    profile.self_descriptions.all().delete()
    SelfDescription.objects.bulk_create(
        SelfDescription(
            profile=profile,
            characteristic_id=characteristic_id,
            description=text,
            visibility=visibility or Visibility.ONLY_ME,
        )
        for characteristic_id, (text, visibility) in entries.items()
        if text.strip()
    )
    profile.save()


def forget_characteristic(
    sender: object, instance: SensitiveCharacteristic, **kwargs: object
) -> None:
    """When the board stops offering a characteristic, what members wrote for it goes, and
    their profiles can no longer be found by it."""
    profiles = list(Profile.objects.filter(self_descriptions__characteristic=instance).distinct())
    SelfDescription.objects.filter(characteristic=instance).delete()
    for profile in profiles:
        profile.save()


@transaction.atomic
def set_email_preferences(*, user: User, receive: Collection[str]) -> None:
    """Keep the optional mail a member chose (`receive`, category values) and stop the rest.

    Each category turned on or off is audited as consent given or withdrawn, by its name alone.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()
    stopped = set(
        EmailOptOut.objects.filter(email__iexact=user.email).values_list("category", flat=True)
    )
    for category in OPTIONAL_EMAIL_CATEGORIES:
        wanted, was_wanted = category.value in receive, category.value not in stopped
        if wanted == was_wanted:
            continue
        if wanted:
            mail.opt_in(email=user.email, category=category)
        else:
            mail.opt_out(email=user.email, category=category)
        record(
            actor=user,
            action=AuditAction.CONSENT_GIVEN if wanted else AuditAction.CONSENT_WITHDRAWN,
            target=user,
            data={"consent": "email", "category": category.value},
        )


@transaction.atomic
def export_my_data(*, user: User) -> dict[str, Any]:
    """Everything the network holds about a member, for them to download; the download is
    audited by the parts it held."""
    data = export_for(user)
    record(
        actor=user,
        action=AuditAction.DATA_EXPORTED,
        target=user,
        data={"sections": sorted(name for name in data if name != "exported_at")},
    )
    return data


def erased_address(user_id: int) -> str:
    return f"deleted-{user_id}@deleted.invalid"


@transaction.atomic
def delete_account(*, user: User, remove_posts: bool = False) -> None:
    """A member deletes their own account. What they wrote for other members (discussion posts)
    stays under "a former member" unless they choose to remove it too."""
    if remove_posts:
        withdraw_for(user)
    erase_member(user=user, actor=user, reason="", posts_removed=remove_posts)


@transaction.atomic
def erase_member(
    *, user: User, actor: User | None, reason: str, posts_removed: bool = False
) -> None:
    """Erase a member's personal data, whether they left or the board removed them.

    The account row stays, anonymous and unable to sign in, so counts still add up and the
    records that point at it (decisions, the audit log) still hold together.
    """
    # Two erasures at once (the member leaving as the board removes them) must not both run.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email == erased_address(user.pk):
        return
    email = user.email
    erase_for(user)
    profile = Profile.objects.filter(user=user).first()
    if profile and profile.photo:
        photo = profile.photo.name
        transaction.on_commit(lambda: default_storage.delete(photo))
    Profile.objects.filter(user=user).delete()
    user.sensitive_consents.all().delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    EmailOptOut.objects.filter(email__iexact=email).delete()
    OutboundEmail.objects.filter(to_email__iexact=email).update(
        to_email="removed@deleted.invalid", recipient=None, context={}, secret_context={}
    )
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr="deleted account", change_message="")
    user.email = erased_address(user.pk)
    user.name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    # A new (unusable) password also ends every other session the member had open.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    initiated_by = "operator" if actor is None else ("member" if actor == user else "board")
    # Who and why, never what was erased: the row names the account by its number alone.
    record(
        actor=actor,
        action=AuditAction.ACCOUNT_DELETED,
        target=user,
        reason=reason,
        data={"initiated_by": initiated_by, **({"posts_removed": True} if posts_removed else {})},
    )
