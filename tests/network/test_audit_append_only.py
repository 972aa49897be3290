"""The audit log is append-only in PostgreSQL itself: the application's own connection cannot
change or delete an entry, even through raw SQL, until it is past the network's retention period.

The test database's user is the table's owner and a superuser, so this also shows the rule holds
for the most privileged account the application could run as (a trigger binds superusers too).
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from members import services
from members.models import User
from network.models import AuditAction, AuditEvent, NetworkSettings, record
from tests.factories import BoardMemberFactory, MemberFactory

pytestmark = pytest.mark.usefixtures("requires_postgres")


def entry(*, age: timedelta = timedelta(0)) -> AuditEvent:
    return AuditEvent.objects.create(
        action=AuditAction.SETTINGS_CHANGED,
        target_type="network.NetworkSettings",
        target_id="1",
        data={"fields": ["name"]},
        created_at=timezone.now() - age,
    )


def run(sql: str, *params: object) -> int:
    """Runs `sql` on the application's own connection, in a savepoint so a refusal is contained."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def retention() -> timedelta:
    return timedelta(days=NetworkSettings.load().audit_retention_days)


def test_an_entry_is_written_and_read(db: None) -> None:
    event = entry()
    assert AuditEvent.objects.get(pk=event.pk).data == {"fields": ["name"]}


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE network_auditevent SET reason = 'changed' WHERE id = %s",
        "UPDATE network_auditevent SET created_at = now() - interval '100 years' WHERE id = %s",
        "DELETE FROM network_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_a_fresh_entry(db: None, sql: str) -> None:
    event = entry()
    with pytest.raises(DatabaseError, match="append-only"):
        run(sql, event.pk)
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.reason, kept.created_at) == ("", event.created_at)


def test_an_entry_just_inside_the_retention_period_cannot_be_deleted(db: None) -> None:
    event = entry(age=retention() - timedelta(days=1))
    with pytest.raises(DatabaseError, match="append-only"):
        run("DELETE FROM network_auditevent WHERE id = %s", event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_entry_past_the_retention_period_can_be_deleted_but_not_changed(db: None) -> None:
    old, fresh = entry(age=retention() + timedelta(days=1)), entry()
    with pytest.raises(DatabaseError, match="append-only"):
        run("UPDATE network_auditevent SET reason = 'changed' WHERE id = %s", old.pk)
    assert run("DELETE FROM network_auditevent WHERE id = %s", old.pk) == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_a_shorter_retention_period_lets_entries_go_sooner(db: None) -> None:
    NetworkSettings.objects.update_or_create(pk=1, defaults={"audit_retention_days": 365})
    event = entry(age=timedelta(days=400))
    assert run("DELETE FROM network_auditevent WHERE id = %s", event.pk) == 1


def test_one_fresh_entry_among_old_ones_refuses_the_whole_delete(db: None) -> None:
    old, fresh = entry(age=retention() + timedelta(days=1)), entry()
    with pytest.raises(DatabaseError, match="append-only"):
        run("DELETE FROM network_auditevent")
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {old.pk, fresh.pk}


def test_the_orm_refuses_before_the_database_is_asked(db: None) -> None:
    event = entry()
    event.reason = "changed"
    for attempt in (
        event.save,
        event.delete,
        AuditEvent.objects.all().delete,
        lambda: AuditEvent.objects.update(reason="changed"),
        lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="changed"),
    ):
        with pytest.raises(TypeError, match="append-only"):
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_erasing_a_member_leaves_their_audit_entries_as_they_were(db: None) -> None:
    member, board = MemberFactory(name="Amara Okafor"), BoardMemberFactory()
    services.give_sensitive_consent(user=member)
    record(actor=board, action=AuditAction.MEMBER_WARNED, target=member, reason="Rude in a post")
    before = list(AuditEvent.objects.order_by("pk").values())
    services.erase_member(user=member, actor=board, reason="Removed after a report")
    assert list(AuditEvent.objects.order_by("pk").values())[: len(before)] == before
    erased = User.objects.get(pk=member.pk)
    assert erased.email == services.erased_address(member.pk)
    deleted = AuditEvent.objects.get(action=AuditAction.ACCOUNT_DELETED)
    assert (deleted.actor, deleted.target_id) == (board, str(member.pk))
