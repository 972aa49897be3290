"""The audit log is kept for the network's retention period, then deleted each night."""

from datetime import timedelta

import pytest
from django.utils import timezone

from network import tasks
from network.models import AuditAction, AuditEvent, NetworkSettings

pytestmark = pytest.mark.django_db


def entries(count: int, *, age: timedelta) -> list[int]:
    made = AuditEvent.objects.bulk_create(
        AuditEvent(
            action=AuditAction.EVENT_EDITED,
            target_type="events.Event",
            target_id=str(n),
            created_at=timezone.now() - age,
        )
        for n in range(count)
    )
    return [event.pk for event in made]


def keep_for(days: int) -> None:
    NetworkSettings.objects.update_or_create(pk=1, defaults={"audit_retention_days": days})
    NetworkSettings.clear_cache()


def test_entries_past_the_retention_period_are_deleted_and_the_rest_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keep_for(365)
    # Smaller batches than the real ones, so several run.
    monkeypatch.setattr(tasks, "AUDIT_PRUNE_BATCH", 3)
    entries(7, age=timedelta(days=366))
    kept = entries(2, age=timedelta(days=364)) + entries(2, age=timedelta(0))
    assert tasks.prune_audit_log.delay().get() == 7
    assert sorted(AuditEvent.objects.values_list("pk", flat=True)) == sorted(kept)


def test_the_retention_period_comes_from_the_network_settings() -> None:
    keep_for(3 * 365)
    kept = entries(2, age=timedelta(days=2 * 365))
    assert tasks.prune_audit_log() == 0
    keep_for(365)
    assert tasks.prune_audit_log() == 2
    assert not AuditEvent.objects.filter(pk__in=kept).exists()


def test_pruning_twice_deletes_nothing_more() -> None:
    entries(2, age=timedelta(days=NetworkSettings.load().audit_retention_days + 1))
    assert tasks.prune_audit_log() == 2
    assert tasks.prune_audit_log() == 0


def test_pruning_runs_every_night() -> None:
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE["prune-audit-log"]
    assert schedule == {"task": "network.tasks.prune_audit_log", "schedule": 24 * 60 * 60}
