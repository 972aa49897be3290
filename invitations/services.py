"""Every change to an application or invitation, one function each."""

from datetime import timedelta
from typing import Any

from django.contrib.auth import login
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from invitations.models import (
    Application,
    Conflict,
    Decision,
    Endorsement,
    Invitation,
    token_digest,
)
from members.models import GuidelinesAcceptance, Profile, User
from members.services import create_member
from network.links import absolute_url
from network.mail import queue_email
from network.models import AuditAction, NetworkSettings, record

# A burst from one place or for one address is refused after this many within the window.
INTEREST_LIMIT = 3
INTEREST_WINDOW_SECONDS = 60 * 60
REMIND_BEFORE = timedelta(days=3)
LINK_SALT = "invitations.application"
LINK_MAX_AGE = 30 * 24 * 60 * 60

APPLICANT_FIELDS = [
    "name", "job_title", "organisation", "profession", "region", "career_aspiration",
    "mentoring_evidence", "current_mentees", "referee",
]  # fmt: skip


class Refused(Exception):
    """A rule said no; the message says why, in words for the person who asked."""


def _address_refusal(email: str) -> str | None:
    if User.objects.filter(email__iexact=email).exists():
        return "This email address already belongs to a member."
    if Invitation.objects.live().filter(email__iexact=email).exists():
        return "This email address already has an invitation waiting to be used."
    return None


def rate_limited(*, ip: str, email: str) -> bool:
    """Count an attempt from this place and for this address; True once either is over."""
    over = False
    for key in (f"interest:ip:{ip}", f"interest:email:{email.lower()}"):
        cache.add(key, 0, INTEREST_WINDOW_SECONDS)
        if cache.incr(key) > INTEREST_LIMIT:
            over = True
    return over


@transaction.atomic
def submit_interest(*, data: dict[str, Any]) -> Application:
    """Record an expression of interest, or update the one already waiting from that address."""
    email = data["email"].strip().lower()
    if refusal := _address_refusal(email):
        raise Refused(refusal)
    application = (
        Application.objects.select_for_update()
        .filter(
            email__iexact=email,
            status__in=[Application.Status.PENDING, Application.Status.MORE_INFO],
        )
        .first()
    )
    if application is None:
        application = Application(email=email, source=Application.Source.INTEREST)
    for field in APPLICANT_FIELDS:
        setattr(application, field, data.get(field, getattr(application, field)))
    application.save()
    queue_email("invitations/acknowledgement", to=email, context={"application_id": application.pk})
    return application


@transaction.atomic
def nominate(*, nominator: User, data: dict[str, Any]) -> Application:
    email = data["email"].strip().lower()
    if refusal := _address_refusal(email):
        raise Refused(refusal)
    if Application.objects.filter(
        email__iexact=email, status__in=[Application.Status.PENDING, Application.Status.MORE_INFO]
    ).exists():
        raise Refused("This person already has an application waiting; you can endorse it.")
    application = Application.objects.create(
        email=email,
        source=Application.Source.NOMINATION,
        nominated_by=nominator,
        **{field: data[field] for field in APPLICANT_FIELDS if field in data},
    )
    queue_email(
        "invitations/nominated",
        to=email,
        context={"application_id": application.pk, "nominator": nominator.name},
        secret_context={"withdraw_url": application_link(application, "invitations:withdraw")},
    )
    return application


def application_link(application: Application, view: str) -> str:
    token = signing.dumps(application.pk, salt=f"{LINK_SALT}.{view}")
    return absolute_url(reverse(view, args=[token]))


def application_from_link(token: str, view: str) -> Application:
    """The application a signed link was made for; raises Refused if the link is not valid."""
    try:
        pk = signing.loads(token, salt=f"{LINK_SALT}.{view}", max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        raise Refused("This link is not valid or has expired.") from None
    return Application.objects.get(pk=pk)


@transaction.atomic
def withdraw(*, application_id: int) -> None:
    application = Application.objects.select_for_update().get(pk=application_id)
    if not application.is_open:
        raise Refused("This application has already been decided, so it cannot be withdrawn.")
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    record(actor=None, action=AuditAction.APPLICATION_WITHDRAWN, target=application)


@transaction.atomic
def endorse(*, application: Application, member: User, text: str) -> Endorsement:
    if not application.is_open:
        raise Refused("This application has been decided, so it no longer takes endorsements.")
    if application.nominated_by_id == member.pk:
        raise Refused("You nominated this person, so your nomination already speaks for them.")
    try:
        with transaction.atomic():
            return Endorsement.objects.create(application=application, member=member, text=text)
    except IntegrityError:
        raise Refused("You have already endorsed this application.") from None


@transaction.atomic
def declare_conflict(*, application: Application, board_member: User, reason: str) -> Conflict:
    conflict, _ = Conflict.objects.get_or_create(
        application=application, board_member=board_member, defaults={"reason": reason}
    )
    record(
        actor=board_member,
        action=AuditAction.APPLICATION_CONFLICT_DECLARED,
        target=application,
        reason=reason,
    )
    return conflict


@transaction.atomic
def decide(
    *, application_id: int, board_member: User, verdict: str, reason: str = ""
) -> Application:
    """Record one board member's decision; act on it once enough of the board agrees."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Application.Status.PENDING:
        raise Refused(f"This application is {application.get_status_display().lower()}.")
    if application.conflicts.filter(board_member=board_member).exists():
        raise Refused("You declared a conflict of interest, so you cannot decide this one.")
    if verdict in (Decision.Verdict.REJECT, Decision.Verdict.MORE_INFO) and not reason.strip():
        raise Refused("Give a reason: it is kept for the record and, for more information, sent.")
    if application.decisions.filter(
        board_member=board_member,
        verdict=Decision.Verdict.APPROVE,
        created_at__gte=_round_start(application),
    ).exists():
        raise Refused("You have already approved this application; another board member must too.")
    Decision.objects.create(
        application=application, board_member=board_member, verdict=verdict, reason=reason
    )
    record(
        actor=board_member,
        action=AuditAction(f"application.{verdict}"),
        target=application,
        reason=reason,
    )
    now = timezone.now()
    if verdict == Decision.Verdict.REJECT:
        application.status = Application.Status.REJECTED
        application.decided_at = now
        application.save()
        queue_email(
            "invitations/rejected", to=application.email, context={"application_id": application.pk}
        )
    elif verdict == Decision.Verdict.MORE_INFO:
        application.status = Application.Status.MORE_INFO
        application.more_info_request = reason
        application.save()
        queue_email(
            "invitations/more_info",
            to=application.email,
            context={"application_id": application.pk},
            secret_context={
                "more_info_url": application_link(application, "invitations:more_info")
            },
        )
    else:
        approvals = (
            application.decisions.filter(
                verdict=Decision.Verdict.APPROVE, created_at__gte=_round_start(application)
            )
            .values("board_member")
            .distinct()
            .count()
        )
        if approvals >= NetworkSettings.load().approvals_required:
            application.status = Application.Status.APPROVED
            application.decided_at = now
            application.save()
            invite(application=application, invited_by=board_member)
    return application


def _round_start(application: Application) -> Any:
    """Approvals count from the applicant's last answer to a request for more information."""
    last_request = application.decisions.filter(verdict=Decision.Verdict.MORE_INFO).last()
    return last_request.created_at if last_request else application.created_at


@transaction.atomic
def provide_more_info(*, application_id: int, text: str) -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Application.Status.MORE_INFO:
        raise Refused("This application is not waiting for more information.")
    application.more_info_response = text
    application.status = Application.Status.PENDING
    application.save()
    record(actor=None, action=AuditAction.APPLICATION_MORE_INFO_GIVEN, target=application)
    return application


@transaction.atomic
def invite(*, application: Application, invited_by: User) -> Invitation:
    if refusal := _address_refusal(application.email):
        raise Refused(refusal)
    invitation = Invitation(application=application, email=application.email, invited_by=invited_by)
    invitation.new_link(days=NetworkSettings.load().invitation_expiry_days)
    invitation.save()
    record(actor=invited_by, action=AuditAction.INVITATION_SENT, target=invitation)
    queue_email(
        "invitations/invitation", to=invitation.email, context={"invitation_id": invitation.pk}
    )
    return invitation


@transaction.atomic
def invite_directly(*, data: dict[str, Any], invited_by: User) -> Invitation:
    email = data["email"].strip().lower()
    if refusal := _address_refusal(email):
        raise Refused(refusal)
    application = Application.objects.create(
        email=email,
        source=Application.Source.DIRECT,
        status=Application.Status.APPROVED,
        decided_at=timezone.now(),
        **{field: data[field] for field in APPLICANT_FIELDS if field in data},
    )
    return invite(application=application, invited_by=invited_by)


@transaction.atomic
def resend(*, invitation_id: int, by: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise Refused(f"This invitation was {invitation.get_status_display().lower()}.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise Refused("This email address already belongs to a member.")
    invitation.new_link(days=NetworkSettings.load().invitation_expiry_days)
    invitation.status = Invitation.Status.PENDING
    invitation.save()
    record(actor=by, action=AuditAction.INVITATION_RESENT, target=invitation)
    queue_email(
        "invitations/invitation", to=invitation.email, context={"invitation_id": invitation.pk}
    )
    return invitation


@transaction.atomic
def revoke(*, invitation_id: int, by: User, reason: str = "") -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    if invitation.status != Invitation.Status.PENDING:
        raise Refused(f"This invitation was {invitation.get_status_display().lower()}.")
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    record(actor=by, action=AuditAction.INVITATION_REVOKED, target=invitation, reason=reason)
    return invitation


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("application")
        .filter(token_digest=token_digest(token))
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, password: str, request: HttpRequest) -> User:
    """Create the invited person's account, record their acceptance and sign them in."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    )
    if invitation is None:
        raise Refused("unknown")
    if refusal := invitation.refusal():
        raise Refused(refusal)
    application = invitation.application
    user = create_member(email=invitation.email, name=application.name, password=password)
    network = NetworkSettings.load()
    GuidelinesAcceptance.objects.create(
        user=user,
        guidelines_version=network.guidelines_version,
        privacy_version=network.privacy_version,
    )
    profile = Profile.objects.get(user=user)
    profile.job_title = application.job_title
    profile.organisation = application.organisation
    profile.profession = application.profession
    profile.region = application.region
    profile.career_aspiration = application.career_aspiration
    profile.save()
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.member = user
    invitation.save(update_fields=["status", "accepted_at", "member"])
    record(actor=user, action=AuditAction.INVITATION_ACCEPTED, target=invitation)
    login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return user


def send_reminders(*, now: Any = None) -> int:
    """Remind, once, everyone whose invitation lapses within three days."""
    now = now or timezone.now()
    due = Invitation.objects.live(now=now).filter(
        reminded_at=None, expires_at__lte=now + REMIND_BEFORE
    )
    sent = 0
    for invitation_id, email in due.values_list("pk", "email"):
        with transaction.atomic():
            # The conditional update is the claim: two beat runs at once remind once.
            if Invitation.objects.filter(pk=invitation_id, reminded_at=None).update(
                reminded_at=now
            ):
                queue_email(
                    "invitations/reminder", to=email, context={"invitation_id": invitation_id}
                )
                sent += 1
    return sent


def expire_invitations(*, now: Any = None) -> int:
    return Invitation.objects.filter(
        status=Invitation.Status.PENDING, expires_at__lte=now or timezone.now()
    ).update(status=Invitation.Status.EXPIRED)
