"""Every change to an application or invitation, one function each.

Services know nothing of HTTP: they take ids and plain values, raise `Refused` with a code from
`Refusal` when a rule says no (changing nothing), and leave pages, status codes and signing in
to the views.
"""

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from invitations.models import (
    Application,
    Conflict,
    Decision,
    Endorsement,
    Invitation,
    Refusal,
    token_digest,
)
from members.models import GuidelinesAcceptance, Profile, User
from members.services import create_member
from network.errors import Refused
from network.links import absolute_url
from network.mail import queue_email
from network.models import AuditAction, NetworkSettings, record

logger = logging.getLogger(__name__)

# A burst from one place or for one address is refused after this many within the window.
INTEREST_LIMIT = 3
INTEREST_WINDOW_SECONDS = 60 * 60
# Each nomination mails someone in the network's name, so a member may send only a few a day.
NOMINATION_LIMIT = 5
NOMINATION_WINDOW_SECONDS = 24 * 60 * 60
REMIND_BEFORE = timedelta(days=3)
LINK_SALT = "invitations.application"
LINK_MAX_AGE = 30 * 24 * 60 * 60
# How many times to retry an insert whose open application was decided while we looked.
RECEIVE_ATTEMPTS = 3

APPLICANT_FIELDS = [
    "name", "job_title", "organisation", "profession", "region", "career_aspiration",
    "mentoring_evidence", "current_mentees", "referee",
]  # fmt: skip


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _over_limit(keys: list[str], *, limit: int, window: int) -> bool:
    """Count one attempt under each key; True once any count is over the limit.

    Keys are digests, never what a visitor typed: fixed in length however long the input, and no
    address or IP ends up in the cache. If the cache does not answer, the limit allows: losing
    Redis degrades the site but never breaks the page (DESIGN.md, "At scale").
    """
    over = False
    try:
        for key in keys:
            cache.add(key, 0, window)
            try:
                count = cache.incr(key)
            except ValueError:
                # The window ran out between add and incr: this attempt opens a new one.
                cache.add(key, 1, window)
                count = 1
            over = over or count > limit
    except Exception:
        # Deliberately broad: whichever client error a dead cache raises, allow the attempt.
        # The log names no address (keys and messages hold digests at most).
        logger.warning("Rate limit not applied: the cache did not answer", exc_info=True)
        return False
    return over


def rate_limited(*, ip: str, email: str) -> bool:
    """Count an expression of interest from this place and for this address; True once over."""
    keys = [f"interest:ip:{_digest(ip)}", f"interest:email:{_digest(normalise_email(email))}"]
    return _over_limit(keys, limit=INTEREST_LIMIT, window=INTEREST_WINDOW_SECONDS)


def nominations_limited(*, member_id: int) -> bool:
    """Count a nomination by this member; True once they are over today's limit."""
    return _over_limit(
        [f"nominate:member:{member_id}"], limit=NOMINATION_LIMIT, window=NOMINATION_WINDOW_SECONDS
    )


def _receive(
    *, email: str, source: str, nominated_by: User | None, data: dict[str, Any]
) -> Application | None:
    """Store an application for the address, or keep it beside the open one already there.

    A second expression of interest or nomination never overwrites the first. Anyone can type
    anyone's address into /join/, so letting the second replace the first would let a stranger
    rewrite (or, as a nomination, take over) someone's application. Dropping it would lose a
    second member's support for a nominee. So it is kept as a duplicate beside the first, for the
    board to read, and the first stays exactly as its author left it. A copy that adds nothing
    (the same person's double click, a page sent again) is dropped: returns None.

    The partial unique constraint on open applications decides which of two submissions at the
    same moment is the first; the other lands in the IntegrityError branch and is kept beside it.
    """
    fields = {field: data[field] for field in APPLICANT_FIELDS if field in data}
    for _ in range(RECEIVE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Application.objects.create(
                    email=email, source=source, nominated_by=nominated_by, **fields
                )
        except IntegrityError:
            pass
        first = Application.objects.select_for_update().open().for_address(email).first()
        if first is None:
            continue  # decided or withdrawn since the insert failed: try again as the first
        candidate = Application(
            email=email,
            source=source,
            nominated_by=nominated_by,
            status=Application.Status.DUPLICATE,
            duplicate_of=first,
            **fields,
        )
        if any(
            kept.same_as(candidate, APPLICANT_FIELDS) for kept in [first, *first.duplicates.all()]
        ):
            return None
        candidate.save()
        record(
            actor=nominated_by,
            action=AuditAction.APPLICATION_DUPLICATE_RECEIVED,
            target=candidate,
            data={"first_application_id": first.pk, "source": source},
        )
        return candidate
    raise RuntimeError("The open application for this address kept changing; try again.")


@transaction.atomic
def submit_interest(*, data: dict[str, Any]) -> Application | None:
    """Record an expression of interest; returns what was stored, if anything.

    The caller learns nothing about the address from this: whatever happens, the visitor sees
    the same page. The person at the address is told by email what applies to them.
    """
    email = normalise_email(data["email"])
    if member := member_holding(email):
        queue_email(
            "invitations/already_member",
            to=email,
            user_id=member.pk,
            context={"user_id": member.pk},
        )
        return None
    if _remind_of_waiting_invitation(email):
        return None
    application = _receive(
        email=email, source=Application.Source.INTEREST, nominated_by=None, data=data
    )
    if application is None:
        return None
    template = (
        "invitations/received_again"
        if application.status == Application.Status.DUPLICATE
        else "invitations/acknowledgement"
    )
    queue_email(template, to=email, context={"application_id": application.pk})
    return application


def member_holding(email: str) -> User | None:
    """The member whose account uses this address, as its sign-in or a confirmed extra address."""
    return (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(
            emailaddress__email__iexact=email, emailaddress__verified=True
        ).first()
    )


def _remind_of_waiting_invitation(email: str) -> bool:
    """Tell someone whose invitation is waiting where it is; True if there is one."""
    invitation = Invitation.objects.live().for_address(email).first()
    if invitation is None:
        return False
    queue_email(
        "invitations/invitation_waiting", to=email, context={"invitation_id": invitation.pk}
    )
    return True


@transaction.atomic
def nominate(*, nominator: User, data: dict[str, Any]) -> Application | None:
    """Put a colleague forward; returns what was stored, if anything.

    As with interest, the nominator learns nothing about the address from the answer. A member
    needs no nomination and is not told of one; someone with an invitation waiting is reminded
    of it; anyone else is told who nominated them and how to withdraw.
    """
    email = normalise_email(data["email"])
    if member_holding(email):
        return None
    if _remind_of_waiting_invitation(email):
        return None
    application = _receive(
        email=email, source=Application.Source.NOMINATION, nominated_by=nominator, data=data
    )
    if application is not None:
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
        raise Refused(Refusal.LINK_INVALID) from None
    return Application.objects.get(pk=pk)


@transaction.atomic
def withdraw(*, application_id: int) -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    application.mark_withdrawn()
    record(actor=None, action=AuditAction.APPLICATION_WITHDRAWN, target=application)
    return application


@transaction.atomic
def open_for_endorsement(*, application_id: int, by: User) -> Application:
    """Let members see the application at /applications/ and endorse it: the board's choice.

    Until then a nominee (who may not yet know they were nominated) is seen by the board alone.
    """
    application = Application.objects.select_for_update().get(pk=application_id)
    application.mark_open_for_endorsement(now=timezone.now())
    record(actor=by, action=AuditAction.APPLICATION_OPENED_FOR_ENDORSEMENT, target=application)
    return application


@transaction.atomic
def endorse(*, application_id: int, member: User, text: str) -> Endorsement:
    application = Application.objects.select_for_update().get(pk=application_id)
    if not application.is_open:
        raise Refused(
            Refusal.NOT_OPEN,
            "This application has been decided, so it no longer takes endorsements.",
        )
    if not application.can_be_endorsed():
        raise Refused(Refusal.NOT_OPEN_FOR_ENDORSEMENT)
    if application.nominated_by_id == member.pk:
        raise Refused(Refusal.OWN_NOMINATION)
    try:
        with transaction.atomic():
            return Endorsement.objects.create(application=application, member=member, text=text)
    except IntegrityError:
        raise Refused(Refusal.ALREADY_ENDORSED) from None


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
    application.require_decidable()
    if application.conflicts.filter(board_member=board_member).exists():
        raise Refused(Refusal.CONFLICT)
    if verdict in (Decision.Verdict.REJECT, Decision.Verdict.MORE_INFO) and not reason.strip():
        raise Refused(Refusal.REASON_REQUIRED)
    if application.decisions.filter(
        board_member=board_member,
        verdict=Decision.Verdict.APPROVE,
        created_at__gte=_round_start(application),
    ).exists():
        raise Refused(Refusal.ALREADY_APPROVED)
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
        application.mark_rejected(now=now)
        queue_email(
            "invitations/rejected", to=application.email, context={"application_id": application.pk}
        )
    elif verdict == Decision.Verdict.MORE_INFO:
        application.mark_more_info(question=reason)
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
            application.mark_approved(now=now)
            invite(application=application, invited_by=board_member)
    return application


def _round_start(application: Application) -> Any:
    """Approvals count from the applicant's last answer to a request for more information."""
    last_request = application.decisions.filter(verdict=Decision.Verdict.MORE_INFO).last()
    return last_request.created_at if last_request else application.created_at


@transaction.atomic
def provide_more_info(*, application_id: int, text: str) -> Application:
    application = Application.objects.select_for_update().get(pk=application_id)
    application.mark_more_info_given(answer=text)
    record(actor=None, action=AuditAction.APPLICATION_MORE_INFO_GIVEN, target=application)
    return application


def _clear_address_for_invitation(
    email: str, *, now: datetime, keeping: Invitation | None = None
) -> None:
    """Refuse an address that belongs to a member or has a live invitation; expire a lapsed one.

    Must run inside the caller's transaction. A pending invitation past its expiry that the
    hourly job has not reached yet is marked expired here, under its row lock, so that the
    `one_live_invitation` constraint (which sees status, not the clock) agrees with `live()`
    before a new invitation is saved.
    """
    if member_holding(email):
        raise Refused(Refusal.MEMBER_ADDRESS)
    pending = Invitation.objects.select_for_update().pending().for_address(email)
    if keeping is not None:
        pending = pending.exclude(pk=keeping.pk)
    for invitation in pending:
        if invitation.is_live(now=now):
            raise Refused(Refusal.LIVE_INVITATION)
        invitation.mark_expired(now=now)


def _save_live(invitation: Invitation, save: Any) -> None:
    """Save a live invitation; if another for the address committed first, refuse instead.

    Two board members inviting one address at once both find no live invitation; the
    constraint lets one through, and the other is told, not shown an error page.
    """
    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise Refused(Refusal.LIVE_INVITATION) from None


@transaction.atomic
def invite(*, application: Application, invited_by: User) -> Invitation:
    now = timezone.now()
    email = normalise_email(application.email)
    _clear_address_for_invitation(email, now=now)
    invitation = Invitation(application=application, email=email, invited_by=invited_by)
    invitation.new_link(days=NetworkSettings.load().invitation_expiry_days, now=now)
    _save_live(invitation, invitation.save)
    record(actor=invited_by, action=AuditAction.INVITATION_SENT, target=invitation)
    queue_email(
        "invitations/invitation", to=invitation.email, context={"invitation_id": invitation.pk}
    )
    return invitation


@transaction.atomic
def invite_directly(*, data: dict[str, Any], invited_by: User) -> Invitation:
    application = Application.objects.create(
        email=normalise_email(data["email"]),
        source=Application.Source.DIRECT,
        status=Application.Status.APPROVED,
        decided_at=timezone.now(),
        **{field: data[field] for field in APPLICANT_FIELDS if field in data},
    )
    return invite(application=application, invited_by=invited_by)


@transaction.atomic
def resend(*, invitation_id: int, by: User) -> Invitation:
    """A new link with a fresh expiry; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    now = timezone.now()
    invitation.require_renewable()
    _clear_address_for_invitation(invitation.email, now=now, keeping=invitation)
    days = NetworkSettings.load().invitation_expiry_days
    _save_live(invitation, lambda: invitation.renew(days=days, now=now))
    record(actor=by, action=AuditAction.INVITATION_RESENT, target=invitation)
    queue_email(
        "invitations/invitation", to=invitation.email, context={"invitation_id": invitation.pk}
    )
    return invitation


@transaction.atomic
def revoke(*, invitation_id: int, by: User, reason: str = "") -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    invitation.mark_revoked()
    record(actor=by, action=AuditAction.INVITATION_REVOKED, target=invitation, reason=reason)
    return invitation


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("application")
        .filter(token_digest=token_digest(token))
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, password: str) -> User:
    """Create the invited person's account and record their acceptance and consent.

    Signing them in is the view's business.
    """
    invitation = (
        Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    )
    if invitation is None:
        raise Refused(Refusal.INVITATION_UNKNOWN)
    now = timezone.now()
    if refusal := invitation.refusal(now=now):
        raise Refused(refusal)
    # The address may have become a member's since the invitation went (or be another member's
    # confirmed second address): a second account would split one person in two.
    if member_holding(invitation.email):
        raise Refused(Refusal.MEMBER_ADDRESS)
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
    invitation.mark_accepted(by=user, now=now)
    record(actor=user, action=AuditAction.INVITATION_ACCEPTED, target=invitation)
    return user


def send_reminders(*, now: datetime | None = None) -> int:
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


def expire_invitations(*, now: datetime | None = None) -> int:
    """The hourly job: the same step the services take for one address, for all of them."""
    return Invitation.objects.expire_lapsed(now=now)
