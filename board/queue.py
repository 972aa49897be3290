"""The board's work queue: what waits for a decision, how much of it and for how long.

Each queue is counted with its oldest item in one query, so the board's home costs the same
number of queries with ten members or fifty thousand.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.admin import AdminSite
from django.db.models import Count, Min, Model, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timesince import timesince

from board import guidelines
from board.models import Report
from events.models import Event
from invitations.models import Application
from members.models import User
from mentoring.models import MatchingRound, Pairing
from network.models import OutboundEmail


@dataclass(frozen=True)
class Queue:
    """One kind of work waiting for the board."""

    title: str
    count: int
    oldest: datetime | None  # when the longest-waiting item started waiting
    link: str  # the list of exactly these items on the board site; empty where there is none
    now: datetime

    @property
    def waiting_for(self) -> str:
        """How long the oldest item has waited, in its largest unit: "6 days"."""
        if not self.count or self.oldest is None:
            return ""
        return timesince(self.oldest, self.now, depth=1)


def _queue(title: str, queryset: QuerySet[Any], since: str, link: str, now: datetime) -> Queue:
    found = queryset.aggregate(count=Count("pk"), oldest=Min(since))
    return Queue(title=title, count=found["count"], oldest=found["oldest"], link=link, now=now)


def _list_link(site: AdminSite, model: type[Model], **filters: str) -> str:
    if not site.is_registered(model):
        return ""
    meta = model._meta
    changelist = reverse(f"{site.name}:{meta.app_label}_{meta.model_name}_changelist")
    return f"{changelist}?{urlencode(filters)}" if filters else changelist


def work_queue(site: AdminSite, *, now: datetime) -> list[Queue]:
    """Every queue on the board's home, in the order the board works through them."""
    ended = now.astimezone(UTC).isoformat()
    current = guidelines.current()
    return [
        _queue(
            "Applications to vet",
            Application.objects.filter(status=Application.Status.PENDING),
            "created_at",
            _list_link(site, Application, status__exact=Application.Status.PENDING),
            now,
        ),
        _queue(
            "Reports to resolve",
            Report.objects.open(),
            "created_at",
            _list_link(site, Report, status__exact=Report.Status.OPEN),
            now,
        ),
        _queue(
            "Pairings to confirm",
            Pairing.objects.filter(status=Pairing.Status.PROPOSED),
            "proposed_at",
            _list_link(site, Pairing, attention="to_confirm"),
            now,
        ),
        _queue(
            "Matching rounds to publish",
            MatchingRound.objects.filter(status=MatchingRound.Status.MATCHED),
            "matched_at",
            _list_link(site, MatchingRound, status__exact=MatchingRound.Status.MATCHED),
            now,
        ),
        _queue(
            "Events to mark attendance for",
            Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__lte=now),
            "ends_at",
            # The list filters on the start: an event still running shows there too.
            _list_link(site, Event, status__exact=Event.Status.PUBLISHED, starts_at__lt=ended),
            now,
        ),
        _queue(
            "Emails that failed or bounced",
            OutboundEmail.objects.needing_attention(),
            "status_changed_at",
            _list_link(
                site,
                OutboundEmail,
                status__in=f"{OutboundEmail.Status.FAILED},{OutboundEmail.Status.BOUNCED}",
            ),
            now,
        ),
        # Waiting since the version was published.
        Queue(
            title="Members yet to accept the current guidelines",
            count=User.objects.yet_to_accept(current.version).count() if current else 0,
            oldest=current.published_at if current else None,
            link=_list_link(site, User, guidelines="yet_to_accept") if current else "",
            now=now,
        ),
    ]
