"""What the mentoring tests share: a mentor with an offer, a mentee with goals, a pairing under
way, the network's rules set for a test, and a snapshot of the records a refusal must leave as
they were."""

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from members.models import MentoringFormat, MentoringStatus, Profession, Profile, Region, User
from mentoring.models import (
    CheckIn,
    CloseOut,
    FitAnswer,
    MentoringRequest,
    Pairing,
    Refusal,
)
from network.errors import Refused
from network.mail import render_email
from network.models import AuditEvent, MentoringTopic, NetworkSettings, OutboundEmail
from tests.factories import MemberFactory

LONDON = ZoneInfo("Europe/London")


def topic(name: str) -> MentoringTopic:
    network = NetworkSettings.load()
    found, _ = MentoringTopic.objects.get_or_create(settings_id=network.pk, name=name)
    return found


def mentor_with_offer(
    *,
    capacity: int = 2,
    status: str = MentoringStatus.ACCEPTING,
    topics: tuple[str, ...] = ("Board readiness",),
    **fields: Any,
) -> User:
    """A member offering mentoring: accepting, with room for `capacity` mentees."""
    profile_fields: dict[str, Any] = {
        "job_title": "Chief Nurse",
        "organisation": "Leeds Teaching Hospitals NHS Trust",
        "profession": Profession.NURSING,
        "region": Region.NORTH_EAST_YORKSHIRE,
        "mentoring_status": status,
        "mentoring_capacity": capacity,
        "mentoring_formats": [MentoringFormat.VIDEO, MentoringFormat.IN_PERSON],
        "mentoring_topics": "finance committees",
    }
    profile_fields.update(fields.pop("profile", {}))
    mentor = MemberFactory(**fields)
    for name, value in profile_fields.items():
        setattr(mentor.profile, name, value)
    mentor.profile.visibility = {**mentor.profile.visibility, "mentoring_offer": "members"}
    mentor.profile.save()
    mentor.profile.offered_topics.set([topic(name) for name in topics])
    return mentor


def mentee_with_goals(*, topics: tuple[str, ...] = ("Board readiness",), **fields: Any) -> User:
    """A member who wants a mentor, with goals and topics; from another organisation than the
    mentors these helpers make, so nothing about the pair is forbidden."""
    profile_fields: dict[str, Any] = {
        "job_title": "Deputy Director of Nursing",
        "organisation": "Sheffield Children's NHS Foundation Trust",
        "profession": Profession.NURSING,
        "region": Region.NORTH_EAST_YORKSHIRE,
        "mentoring_goals": "Ready for an executive board post within two years.",
        "mentoring_needs_topics": "board papers",
        "preferred_format": MentoringFormat.VIDEO,
    }
    profile_fields.update(fields.pop("profile", {}))
    mentee = MemberFactory(**fields)
    for name, value in profile_fields.items():
        setattr(mentee.profile, name, value)
    mentee.profile.save()
    mentee.profile.wanted_topics.set([topic(name) for name in topics])
    return mentee


def london_today() -> date:
    return timezone.now().astimezone(LONDON).date()


def active_pairing(
    mentor: User | None = None,
    mentee: User | None = None,
    *,
    started_on: date | None = None,
    term_months: int = 6,
    **fields: Any,
) -> Pairing:
    """A pairing both sides agreed to, running from `started_on` (today by default), made
    directly as the board's data would be."""
    mentor = mentor or mentor_with_offer()
    mentee = mentee or mentee_with_goals()
    started_on = started_on or london_today()
    values: dict[str, Any] = {
        "status": Pairing.Status.ACTIVE,
        "origin": Pairing.Origin.REQUEST,
        "term_months": term_months,
        "started_on": started_on,
        "ends_on": started_on + timedelta(days=30 * term_months),
        "mentor_agreed_at": timezone.now(),
        "mentee_agreed_at": timezone.now(),
    }
    return Pairing.objects.create(mentor=mentor, mentee=mentee, **{**values, **fields})


def set_network(**fields: Any) -> None:
    NetworkSettings.objects.get_or_create(pk=1)
    NetworkSettings.objects.filter(pk=1).update(**fields)
    NetworkSettings.clear_cache()


def snapshot() -> dict[str, list[Any]]:
    """Every record a mentoring rule may touch, to compare before and after a refusal."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            MentoringRequest,
            Pairing,
            CheckIn,
            FitAnswer,
            CloseOut,
            OutboundEmail,
            AuditEvent,
        )
    } | {
        "Profile": list(
            Profile.objects.order_by("pk").values("pk", "mentoring_status", "mentoring_capacity")
        )
    }


def mails(template: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=template).order_by("pk"))


def recipients(template: str) -> list[str]:
    return sorted(email.to_email for email in mails(template))


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread and database connection, all released together, as
    requests from many web processes would arrive; a job's answer is what it returned or the
    code of the Refused it raised."""
    barrier = threading.Barrier(len(jobs), timeout=20)
    answers: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            answers[index] = job()
        except Refused as refusal:
            answers[index] = refusal.code
        except Exception as error:
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [answer for answer in answers if isinstance(answer, Exception)]
    assert not errors, errors
    return answers


def refused(code: Refusal, call: Any, **kwargs: Any) -> Refused:
    """Call a service that must refuse with `code`, and prove it changed nothing."""
    before = snapshot()
    with pytest.raises(Refused) as refusal:
        call(**kwargs)
    assert refusal.value.code == code
    assert snapshot() == before
    return refusal.value


def rendered(template: str) -> str:
    [email] = mails(template)
    message = render_email(email)
    return f"{message.subject}\n{message.body}\n{message.alternatives[0][0]}"
