"""Suspending a member, and giving their access back.

A suspension switches the account off (`is_active` False) and ends every session it has open
(`User.session_generation`), so none comes back when access does; allauth refuses sign-in with
a page giving the date (members.adapters). The apps above members undo what a suspension touches
(event seats, mentoring pairings) by registering hooks here from their AppConfig.ready(); this
module never imports them. Hooks run inside the suspension's transaction, so a failing hook
changes nothing, and each must be safe to run twice.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from members.models import BOARD_GROUP, Suspension, User
from members.services import erased_address
from network.errors import Refused
from network.models import AuditAction, record

Hook = Callable[[Any], object]
_on_suspend: list[Hook] = []
_on_lift: list[Hook] = []


class Refusal(models.TextChoices):
    """Why a suspension was refused: a code, and the words the board reads (nothing changed)."""

    ENDS_IN_PAST = (
        "ends_in_past",
        "A suspension must end after now. Choose a later date, or leave it open-ended.",
    )
    ALREADY_SUSPENDED = (
        "already_suspended",
        "This member is already suspended. Lift that suspension first to set another.",
    )
    ERASED = "erased", "This account has been deleted; there is no one left to suspend."
    BOARD_MEMBER = (
        "board_member",
        "The board cannot suspend one of its own. Ask the operator to remove this person's "
        "board rights first.",
    )


def on_suspend(hook: Hook) -> Hook:
    """Register a function that takes a member out of something when they are suspended."""
    _on_suspend.append(hook)
    return hook


def on_lift(hook: Hook) -> Hook:
    """Register a function that gives a member back what a suspension paused."""
    _on_lift.append(hook)
    return hook


def current_suspension(user: Any) -> Suspension | None:
    return Suspension.objects.current().filter(user_id=user.pk).first()


def _is_erased(user: User) -> bool:
    return user.email == erased_address(user.pk)


@transaction.atomic
def suspend(
    *, user: Any, until: datetime | None, actor: Any, now: datetime | None = None
) -> Suspension:
    """Suspend a member until `until` (None: until the board lifts it). Raises `Refused` with a
    `Refusal` code, changing nothing, for an end already past, a member already suspended, a
    deleted account, or a board member or superuser."""
    now = now or timezone.now()
    # The account row is locked first, as lift() does, so a suspension and a lift (or two
    # suspensions) of one member take turns.
    user = User.objects.select_for_update().get(pk=user.pk)
    if until is not None and until <= now:
        raise Refused(Refusal.ENDS_IN_PAST)
    if _is_erased(user):
        raise Refused(Refusal.ERASED)
    if user.is_superuser or user.is_staff or user.groups.filter(name=BOARD_GROUP).exists():
        raise Refused(Refusal.BOARD_MEMBER)
    if Suspension.objects.current().filter(user=user).exists():
        raise Refused(Refusal.ALREADY_SUSPENDED)
    user.is_active = False
    # Every session ends for good, not only while the account is off.
    user.session_generation += 1
    user.save(update_fields=["is_active", "session_generation"])
    suspension = Suspension.objects.create(user=user, starts_at=now, ends_at=until)
    for hook in _on_suspend:
        hook(user)
    record(
        actor=actor,
        action=AuditAction.MEMBER_SUSPENDED,
        target=user,
        data={"suspension": suspension.pk, "until": until.isoformat() if until else None},
    )
    return suspension


@transaction.atomic
def lift(*, suspension: Suspension, actor: Any = None, now: datetime | None = None) -> bool:
    """End a suspension now: the member can sign in again and what was paused carries on
    (event seats already given to others stay theirs). `actor` None: it ended on its date.
    Lifting a suspension already lifted does nothing; returns whether this call lifted it."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=suspension.user_id)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.lifted_at is not None:
        return False
    suspension.lifted_at = now
    suspension.save(update_fields=["lifted_at"])
    # A member removed while suspended has been erased: the account stays off.
    if not _is_erased(user):
        user.is_active = True
        user.save(update_fields=["is_active"])
        for hook in _on_lift:
            hook(user)
    record(
        actor=actor,
        action=AuditAction.SUSPENSION_ENDED,
        target=user,
        data={"suspension": suspension.pk, "ended_on_its_date": actor is None},
    )
    return True


def end_due_suspensions(*, now: datetime | None = None) -> int:
    """Lift every suspension whose end has come (the beat task). Returns how many it lifted."""
    now = now or timezone.now()
    due = Suspension.objects.current().filter(ends_at__lte=now)
    return sum(lift(suspension=suspension, now=now) for suspension in due.only("pk", "user_id"))
