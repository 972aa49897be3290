"""Conduct reports, from a member's concern to the board's decision and the member's appeal.

One function per change. Each locks what two board members could act on at once (the report,
the resolution, the appeal), checks the rules, changes the records, writes the audit entry and
queues the mail in the same transaction. A rule that says no raises `Refused` with a code from
`Refusal` and changes nothing.

Who is told what: the reporter gets an acknowledgement and, at the end, the outcome in general
words; the member concerned gets the decision and its reason (never who reported them); the
member who nominated or invited them is told in neutral words, never the reason or the reporter.
"""

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.utils import timezone

from board.models import Appeal, Report, ReportConflict, Resolution
from discussions.models import Post
from invitations.models import Invitation
from members import suspension as suspensions
from members.models import BOARD_GROUP, User
from members.services import erase_member, erased_address
from network.errors import Refused
from network.mail import queue_email
from network.models import AuditAction, OutboundEmail, record

Outcome = Resolution.Outcome

# A member may have only a few concerns waiting at once: enough for a real problem, too few to
# flood the board.
OPEN_REPORTS_LIMIT = 5
APPEAL_WINDOW = timedelta(days=28)
APPEALABLE = frozenset({Outcome.WARNING, Outcome.SUSPENSION, Outcome.REMOVAL})
# Outcomes that change something for the member: their inviter hears of these.
ACTIONS = APPEALABLE
APPEAL_LINK_SALT = "board.appeal"


class Refusal(models.TextChoices):
    """Why a report, decision or appeal was refused: a code, and the words a person reads."""

    OWN = "own", "You cannot report yourself."
    OWN_POST = "own_post", "You cannot report your own post."
    NOT_A_MEMBER = "not_a_member", "This person is no longer a member of the network."
    NOTHING_NAMED = "nothing_named", "Say which member, post or event the concern is about."
    TOO_MANY = (
        "too_many",
        f"You already have {OPEN_REPORTS_LIMIT} concerns waiting for the programme board. "
        "You can raise another once the board has looked into one of them.",
    )
    ALREADY_REPORTED = (
        "already_reported",
        "You have already raised a concern about this. The programme board is looking into it.",
    )
    DETAILS_REQUIRED = "details_required", "Tell us what happened."
    NOT_BOARD = "not_board", "Only the programme board can open a report itself."
    ALREADY_OPEN = (
        "already_open",
        "A report about this post is already waiting for a decision: decide that one.",
    )
    ALREADY_RESOLVED = "already_resolved", "This report has already been resolved."
    CONFLICT = (
        "conflict",
        "You declared a conflict of interest, so you cannot decide this one.",
    )
    INVOLVED = (
        "involved",
        "You are the reporter or the member concerned, so another board member must decide.",
    )
    REASON_REQUIRED = (
        "reason_required",
        "Give a reason: it is kept for the record and, for a warning, suspension or removal, "
        "sent to the member.",
    )
    NO_MEMBER = (
        "no_member",
        "This report is about an event, not a member: only no action or a note can be recorded.",
    )
    REMOVE_BOARD_MEMBER = (
        "remove_board_member",
        "A board member cannot remove another board member or the operator. Ask the operator "
        "to take away their board rights first.",
    )
    NOT_YOURS = "not_yours", "Only the member a decision concerns can appeal against it."
    NOT_APPEALABLE = (
        "not_appealable",
        "Only a warning, a suspension or a removal can be appealed.",
    )
    APPEAL_CLOSED = (
        "appeal_closed",
        f"Appeals must be made within {APPEAL_WINDOW.days} days of the decision.",
    )
    ALREADY_APPEALED = (
        "already_appealed",
        "You have already appealed against this decision. Each decision can be appealed once.",
    )
    APPEAL_TEXT_REQUIRED = "appeal_text_required", "Tell us why the decision should change."
    APPEAL_DECIDED = "appeal_decided", "This appeal has already been decided."
    NOT_REVIEWER = (
        "not_reviewer",
        "This appeal is assigned to another board member.",
    )
    DECIDED_IT = (
        "decided_it",
        "You made the decision under appeal, so another board member must review it.",
    )
    RESPONSE_REQUIRED = "response_required", "Write the answer the member will read."
    BAD_STATUS = "bad_status", "Choose whether the decision stands or is overturned."
    LINK_INVALID = (
        "link_invalid",
        "This appeal link is not valid or has expired. Write to the programme board instead.",
    )


def _target_label(target: models.Model) -> str:
    return target._meta.label


def _blank(text: str) -> bool:
    return not text.strip()


@transaction.atomic
def report_concern(
    *,
    reporter: User,
    subject: str,
    reason: str,
    details: str,
    evidence_link: str = "",
    member: User | None = None,
    target: models.Model | None = None,
) -> Report:
    """A member raises a concern about a member, a post (its author is the member concerned)
    or an event. The reporter is sent an acknowledgement."""
    if subject == Report.Subject.MEMBER:
        if member is None:
            raise Refused(Refusal.NOTHING_NAMED)
        target = None
    else:
        if target is None:
            raise Refused(Refusal.NOTHING_NAMED)
        # A post's author is the member concerned; an event concerns no one member.
        member = getattr(target, "author", None) if subject == Report.Subject.POST else None
    if _blank(details):
        raise Refused(Refusal.DETAILS_REQUIRED)
    if member is not None and member.pk == reporter.pk:
        raise Refused(Refusal.OWN)
    if member is not None and (not member.is_active or member.email == erased_address(member.pk)):
        raise Refused(Refusal.NOT_A_MEMBER)
    # The reporter's row is the lock: two reports sent at once are counted one after the other.
    User.objects.select_for_update().filter(pk=reporter.pk).first()
    waiting = Report.objects.open().filter(reporter=reporter)
    same = (
        waiting.filter(subject=subject, member=member)
        if target is None
        else waiting.filter(target_type=_target_label(target), target_id=target.pk)
    )
    if same.exists():
        raise Refused(Refusal.ALREADY_REPORTED)
    if waiting.count() >= OPEN_REPORTS_LIMIT:
        raise Refused(Refusal.TOO_MANY)
    report = Report.objects.create(
        reporter=reporter,
        subject=subject,
        member=member,
        target_type=_target_label(target) if target is not None else "",
        target_id=target.pk if target is not None else None,
        reason=reason,
        details=details.strip(),
        evidence_link=evidence_link,
    )
    # What was raised and why, by its codes: never the reporter's words.
    record(
        actor=reporter,
        action=AuditAction.REPORT_RAISED,
        target=report,
        data={"subject": subject, "reason": reason},
    )
    queue_email(
        "board/report_received",
        to=reporter.email,
        user_id=reporter.pk,
        context={"report_id": report.pk},
    )
    return report


def open_report_about(post: Post) -> Report | None:
    """The report about this post that waits for a decision, if there is one."""
    return Report.objects.open().filter(target_type=_target_label(post), target_id=post.pk).first()


@transaction.atomic
def escalate_post(*, board_member: User, post: Post, reason: str, details: str) -> Report:
    """The board opens a conduct report about a post's author itself, with no member's concern
    behind it. The board member who opens it stands as its reporter, so, as with any report they
    are part of, another board member decides it. A post whose report already waits is not
    reported twice: that report is the one to decide."""
    if not board_member.is_board_member:
        raise Refused(Refusal.NOT_BOARD)
    post = Post.objects.select_for_update(of=("self",)).select_related("author").get(pk=post.pk)
    author = post.author
    if author.pk == board_member.pk:
        raise Refused(Refusal.OWN_POST)
    if not author.is_active or author.email == erased_address(author.pk):
        raise Refused(Refusal.NOT_A_MEMBER)
    if _blank(details):
        raise Refused(Refusal.DETAILS_REQUIRED)
    if open_report_about(post) is not None:
        raise Refused(Refusal.ALREADY_OPEN)
    report = Report.objects.create(
        reporter=board_member,
        subject=Report.Subject.POST,
        member=author,
        target_type=_target_label(post),
        target_id=post.pk,
        reason=reason,
        details=details.strip(),
    )
    record(
        actor=board_member,
        action=AuditAction.POST_ESCALATED,
        target=post,
        data={"report": report.pk, "topic": post.topic_id},
    )
    return report


@transaction.atomic
def declare_conflict(*, report: Report, board_member: User, reason: str) -> ReportConflict:
    """A board member steps out of a report: they cannot decide it or review its appeal."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    conflict, _ = ReportConflict.objects.get_or_create(
        report=report, board_member=board_member, defaults={"reason": reason}
    )
    # An appeal already assigned to them goes to someone else (or to the board's queue).
    open_appeal = (
        Appeal.objects.select_for_update()
        .filter(resolution__report=report, status=Appeal.Status.OPEN, reviewer=board_member)
        .first()
    )
    if open_appeal is not None:
        open_appeal.reviewer = _reviewer_for(open_appeal.resolution)
        open_appeal.save(update_fields=["reviewer"])
    record(
        actor=board_member,
        action=AuditAction.REPORT_CONFLICT_DECLARED,
        target=report,
        reason=reason,
    )
    return conflict


def inviter_of(member: User) -> User | None:
    """The member who nominated this person, or else the board member who invited them."""
    invitation = (
        Invitation.objects.select_related("application__nominated_by", "invited_by")
        .filter(member=member)
        .first()
    )
    if invitation is None:
        return None
    inviter = invitation.application.nominated_by or invitation.invited_by
    if inviter is None or not inviter.is_active or inviter.pk == member.pk:
        return None
    return inviter


def _carry_out(
    *, outcome: str, member: User, board_member: User, until: datetime | None, now: datetime
) -> suspensions.Suspension | None:
    """Suspend or remove the member, as the outcome says; the suspension when it is one."""
    if outcome == Outcome.SUSPENSION:
        return suspensions.suspend(user=member, until=until, actor=board_member, now=now)
    if outcome == Outcome.REMOVAL and suspensions.current_suspension(member) is None:
        # Removal first does all a suspension does (sessions, seats, pairings), open-ended.
        suspensions.suspend(user=member, until=None, actor=board_member, now=now)
    return None


@transaction.atomic
def resolve(
    *,
    report: Report,
    board_member: User,
    outcome: str,
    reason: str,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Resolution:
    """The board decides a report and the decision is carried out and told."""
    now = now or timezone.now()
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("member", "reporter")
        .get(pk=report.pk)
    )
    if report.status != Report.Status.OPEN:
        raise Refused(Refusal.ALREADY_RESOLVED)
    if report.conflicts.filter(board_member=board_member).exists():
        raise Refused(Refusal.CONFLICT)
    if board_member.pk in (report.reporter_id, report.member_id):
        raise Refused(Refusal.INVOLVED)
    if _blank(reason):
        raise Refused(Refusal.REASON_REQUIRED)
    member = report.member
    if member is None and outcome not in (Outcome.NO_ACTION, Outcome.NOTE):
        raise Refused(Refusal.NO_MEMBER)
    if outcome == Outcome.REMOVAL and member is not None and _is_board(member):
        raise Refused(Refusal.REMOVE_BOARD_MEMBER)
    suspension = None
    if member is not None:
        suspension = _carry_out(
            outcome=outcome, member=member, board_member=board_member, until=until, now=now
        )
    try:
        resolution = Resolution.objects.create(
            report=report,
            decided_by=board_member,
            outcome=outcome,
            reason=reason.strip(),
            suspension=suspension,
            decided_at=now,
        )
    except IntegrityError:
        raise Refused(Refusal.ALREADY_RESOLVED) from None
    report.status, report.resolved_at = Report.Status.RESOLVED, now
    report.save(update_fields=["status", "resolved_at"])
    record(
        actor=board_member,
        action=AuditAction.REPORT_RESOLVED,
        target=report,
        reason=resolution.reason,
        data={"outcome": outcome, "resolution": resolution.pk},
    )
    queue_email(
        "board/report_outcome",
        to=report.reporter.email,
        user_id=report.reporter_id,
        context={"resolution_id": resolution.pk},
    )
    if member is not None and outcome in ACTIONS:
        _carry_out_and_tell(resolution, member)
    return resolution


def _is_board(member: User) -> bool:
    return member.is_superuser or member.is_staff or member.groups.filter(name=BOARD_GROUP).exists()


def _carry_out_and_tell(resolution: Resolution, member: User) -> None:
    """Warn or remove the member (a suspension is already in place) and tell them and their
    inviter."""
    context = {"resolution_id": resolution.pk}
    if inviter := inviter_of(member):
        # The name travels with the message: after a removal it is gone from the account.
        queue_email(
            "board/inviter_told",
            to=inviter.email,
            user_id=inviter.pk,
            context={**context, "member_name": member.name or "a member"},
        )
    template = f"board/{resolution.outcome}"
    if resolution.outcome == Outcome.WARNING:
        record(
            actor=resolution.decided_by,
            action=AuditAction.MEMBER_WARNED,
            target=member,
            data={"resolution": resolution.pk},
        )
    if resolution.outcome != Outcome.REMOVAL:
        queue_email(template, to=member.email, user_id=member.pk, context=context)
        return
    address = member.email
    erase_member(user=member, actor=resolution.decided_by, reason=resolution.reason)
    record(
        actor=resolution.decided_by,
        action=AuditAction.MEMBER_REMOVED,
        target=member,
        data={"resolution": resolution.pk},
    )
    # Queued after the erasure, which blanks every message to the old address: this one is how
    # the removed member hears of it and of their appeal, and where the answer to one goes.
    queue_email(template, to=address, context=context)


def appeal_token(resolution: Resolution) -> str:
    """The secret part of the appeal link sent with a decision: it works without signing in, as a
    suspended or removed member cannot sign in."""
    return signing.dumps(resolution.pk, salt=APPEAL_LINK_SALT)


def resolution_from_token(token: str) -> Resolution:
    try:
        pk = signing.loads(
            token, salt=APPEAL_LINK_SALT, max_age=int(APPEAL_WINDOW.total_seconds()) + 24 * 3600
        )
    except signing.BadSignature:
        raise Refused(Refusal.LINK_INVALID) from None
    found = Resolution.objects.select_related("report").filter(pk=pk).first()
    if found is None:
        raise Refused(Refusal.LINK_INVALID)
    return found


def board_members() -> "models.QuerySet[User]":
    """Board members who can use the board site (the operator is not one)."""
    return User.objects.filter(is_active=True, is_staff=True, groups__name=BOARD_GROUP).distinct()


def _reviewer_for(resolution: Resolution) -> User | None:
    """A board member who did not decide, is not involved and declared no conflict: the one with
    fewest open appeals. None when there is no such person: the appeal waits in the queue."""
    report = resolution.report
    excluded = {resolution.decided_by_id, report.reporter_id, report.member_id}
    excluded |= set(report.conflicts.values_list("board_member_id", flat=True))
    candidates = list(
        board_members().exclude(pk__in=[pk for pk in excluded if pk is not None]).order_by("pk")
    )
    if not candidates:
        return None
    waiting = dict(
        Appeal.objects.filter(status=Appeal.Status.OPEN, reviewer__in=candidates)
        .values_list("reviewer")
        .annotate(count=Count("pk"))
        .values_list("reviewer", "count")
    )
    return min(candidates, key=lambda candidate: waiting.get(candidate.pk, 0))


def appeal_window_ends(resolution: Resolution) -> datetime:
    return resolution.decided_at + APPEAL_WINDOW


@transaction.atomic
def appeal(
    *, resolution: Resolution, member: User, text: str, now: datetime | None = None
) -> Appeal:
    """The member a decision concerns appeals, once, in writing; a board member who did not
    decide reviews it."""
    now = now or timezone.now()
    resolution = (
        Resolution.objects.select_for_update().select_related("report").get(pk=resolution.pk)
    )
    if resolution.report.member_id != member.pk:
        raise Refused(Refusal.NOT_YOURS)
    if resolution.outcome not in APPEALABLE:
        raise Refused(Refusal.NOT_APPEALABLE)
    if Appeal.objects.filter(resolution=resolution).exists():
        raise Refused(Refusal.ALREADY_APPEALED)
    if now > appeal_window_ends(resolution):
        raise Refused(Refusal.APPEAL_CLOSED)
    if _blank(text):
        raise Refused(Refusal.APPEAL_TEXT_REQUIRED)
    try:
        with transaction.atomic():
            made = Appeal.objects.create(
                resolution=resolution,
                text=text.strip(),
                reviewer=_reviewer_for(resolution),
                created_at=now,
            )
    except IntegrityError:
        raise Refused(Refusal.ALREADY_APPEALED) from None
    record(
        actor=member,
        action=AuditAction.APPEAL_MADE,
        target=resolution.report,
        data={"appeal": made.pk, "reviewer": made.reviewer_id},
    )
    return made


def may_decide_appeal(made: Appeal, board_member: User) -> Refusal | None:
    """Why this board member may not decide this appeal, or None."""
    resolution = made.resolution
    if made.status != Appeal.Status.OPEN:
        return Refusal.APPEAL_DECIDED
    if made.reviewer_id is not None and made.reviewer_id != board_member.pk:
        return Refusal.NOT_REVIEWER
    if resolution.decided_by_id == board_member.pk:
        return Refusal.DECIDED_IT
    if resolution.report.conflicts.filter(board_member=board_member).exists():
        return Refusal.CONFLICT
    if board_member.pk in (resolution.report.reporter_id, resolution.report.member_id):
        return Refusal.INVOLVED
    return None


@transaction.atomic
def decide_appeal(
    *,
    appeal: Appeal,
    board_member: User,
    status: str,
    response: str,
    now: datetime | None = None,
) -> Appeal:
    """The reviewer upholds or overturns the decision; overturning a suspension lifts it."""
    now = now or timezone.now()
    made = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("resolution__report", "resolution__suspension")
        .get(pk=appeal.pk)
    )
    if refusal := may_decide_appeal(made, board_member):
        raise Refused(refusal)
    if status not in (Appeal.Status.UPHELD, Appeal.Status.OVERTURNED):
        raise Refused(Refusal.BAD_STATUS)
    if _blank(response):
        raise Refused(Refusal.RESPONSE_REQUIRED)
    resolution = made.resolution
    if status == Appeal.Status.OVERTURNED and resolution.suspension is not None:
        suspensions.lift(suspension=resolution.suspension, actor=board_member, now=now)
    made.status, made.response, made.decided_at = status, response.strip(), now
    if made.reviewer_id is None:
        made.reviewer = board_member
    made.save(update_fields=["status", "response", "decided_at", "reviewer"])
    record(
        actor=board_member,
        action=AuditAction.APPEAL_DECIDED,
        target=resolution.report,
        reason=made.response,
        data={"appeal": made.pk, "status": status},
    )
    queue_email(
        "board/appeal_decided", to=_member_address(resolution), context={"appeal_id": made.pk}
    )
    return made


def _member_address(resolution: Resolution) -> str:
    """Where the member concerned reads the board's mail: a removed member's address survives
    only on the message that told them of the removal."""
    member = resolution.report.member
    if member is None:
        raise Refused(Refusal.NOT_APPEALABLE)
    if member.email != erased_address(member.pk):
        return member.email
    told = (
        OutboundEmail.objects.filter(
            template=f"board/{Outcome.REMOVAL}", context__resolution_id=resolution.pk
        )
        .values_list("to_email", flat=True)
        .first()
    )
    return told or member.email


def reported_between(member_ids: list[int]) -> set[frozenset[int]]:
    """Pairs of these members where one ever reported the other: mentoring keeps them apart."""
    pairs = Report.objects.between(member_ids).values_list("reporter_id", "member_id")
    return {frozenset(pair) for pair in pairs}
