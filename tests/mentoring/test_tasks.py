"""The mentoring work Celery beat runs, with time moved on by hand: a waiting request is reminded
once and lapses once, a silent mentor is paused, the fit question goes once, a quiet pairing is
reminded once a period, and a pairing ends at its term unless both sides carry on."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from members.models import MentoringStatus, Profile, User
from members.suspension import suspend
from mentoring import services, tasks
from mentoring.models import CheckIn, MentoringRequest, Pairing
from network.mail import NotNeeded, render_email
from network.models import AuditAction, AuditEvent, NetworkSettings
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mails,
    mentee_with_goals,
    mentor_with_offer,
    recipients,
    rendered,
    set_network,
)

pytestmark = pytest.mark.django_db
Status = MentoringRequest.Status
DAY = timedelta(days=1)
NOTE = "Would you help me prepare for a non-executive post?"


def asked_at(moment: datetime, mentor: User | None = None) -> MentoringRequest:
    mentor = mentor or mentor_with_offer()
    return services.ask(mentee=mentee_with_goals(), mentor_id=mentor.pk, note=NOTE, now=moment)


def run(**kwargs: Any) -> tuple[int, int]:
    return services.remind_and_lapse_requests(**kwargs)


class TestRemindersAndLapses:
    def test_a_waiting_request_is_reminded_exactly_once(self) -> None:
        start = timezone.now()
        request = asked_at(start)

        assert run(now=start + 5 * DAY - timedelta(minutes=1)) == (0, 0)
        assert run(now=start + 5 * DAY) == (1, 0)
        assert run(now=start + 5 * DAY) == (0, 0)
        assert run(now=start + 9 * DAY) == (0, 0)

        request.refresh_from_db()
        assert request.reminded_at == start + 5 * DAY
        assert recipients("mentoring/request_reminder") == [request.mentor.email]
        text = rendered("mentoring/request_reminder")
        assert "still waiting" in text
        assert f"/mentoring/requests/{request.pk}/" in text

    def test_a_waiting_request_lapses_exactly_once_and_the_mentee_is_free_to_ask_again(
        self,
    ) -> None:
        start = timezone.now()
        request = asked_at(start)
        run(now=start + 5 * DAY)

        assert run(now=start + 14 * DAY - timedelta(minutes=1)) == (0, 0)
        assert run(now=start + 14 * DAY) == (0, 1)
        assert run(now=start + 15 * DAY) == (0, 0)

        request.refresh_from_db()
        assert (request.status, request.closed_at) == (Status.LAPSED, start + 14 * DAY)
        assert recipients("mentoring/request_lapsed") == [request.mentee.email]
        assert "free to ask someone else" in rendered("mentoring/request_lapsed")
        # Its place among the mentee's open requests is free again.
        assert not MentoringRequest.objects.open().filter(mentee=request.mentee).exists()

    def test_a_request_left_so_long_it_is_past_both_lapses_without_a_late_reminder(
        self,
    ) -> None:
        start = timezone.now()
        asked_at(start)
        assert run(now=start + 20 * DAY) == (0, 1)
        assert mails("mentoring/request_reminder") == []

    def test_the_days_come_from_the_network_settings(self) -> None:
        set_network(request_reminder_days=2, request_lapse_days=3)
        start = timezone.now()
        asked_at(start)
        assert run(now=start + 2 * DAY) == (1, 0)
        assert run(now=start + 3 * DAY) == (0, 1)

    def test_an_answered_or_withdrawn_request_is_neither_reminded_nor_lapsed(self) -> None:
        start = timezone.now()
        accepted, withdrawn = asked_at(start), asked_at(start)
        services.accept_request(request_id=accepted.pk, mentor=accepted.mentor, now=start + DAY)
        services.withdraw_request(request_id=withdrawn.pk, mentee=withdrawn.mentee)
        assert run(now=start + 6 * DAY) == (0, 0)
        assert run(now=start + 30 * DAY) == (0, 0)

    def test_a_question_waits_on_the_mentee_then_the_clock_starts_again(self) -> None:
        start = timezone.now()
        request = asked_at(start)
        run(now=start + 5 * DAY)
        services.ask_question(
            request_id=request.pk, mentor=request.mentor, question="Why now?", now=start + 6 * DAY
        )
        assert run(now=start + 30 * DAY) == (0, 0)

        answered = start + 30 * DAY
        services.answer_question(
            request_id=request.pk, mentee=request.mentee, answer="A post is open.", now=answered
        )
        assert run(now=answered + 5 * DAY) == (1, 0)
        assert run(now=answered + 14 * DAY) == (0, 1)
        assert len(mails("mentoring/request_reminder")) == 2

    def test_a_reminder_for_a_request_answered_before_it_went_is_not_needed(self) -> None:
        start = timezone.now()
        request = asked_at(start)
        run(now=start + 5 * DAY)
        services.accept_request(request_id=request.pk, mentor=request.mentor, now=start + 5 * DAY)
        [reminder] = mails("mentoring/request_reminder")
        with pytest.raises(NotNeeded):
            render_email(reminder)

    def test_the_beat_task_runs_the_same_work(self) -> None:
        asked_at(timezone.now() - 6 * DAY)
        assert tuple(tasks.remind_and_lapse_requests.delay().get()) == (1, 0)
        assert tuple(tasks.remind_and_lapse_requests.delay().get()) == (0, 0)
        schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        for task in (
            tasks.remind_and_lapse_requests,
            tasks.ask_fit_questions,
            tasks.remind_check_ins,
            tasks.finish_pairings,
        ):
            assert task.name in schedule


class TestPausingSilentMentors:
    def lapse(self, mentor: User, start: datetime, count: int = 1) -> datetime:
        for _ in range(count):
            asked_at(start, mentor)
        run(now=start + 14 * DAY)
        return start + 14 * DAY

    def test_one_lapse_does_not_pause_a_mentor(self) -> None:
        mentor = mentor_with_offer(capacity=5)
        self.lapse(mentor, timezone.now())
        mentor.profile.refresh_from_db()
        assert mentor.profile.mentoring_status == MentoringStatus.ACCEPTING

    def test_a_second_lapse_pauses_the_offer_once_and_asks_the_mentor_to_confirm(self) -> None:
        mentor = mentor_with_offer(capacity=5, name="Grace Adeyemi")
        start = timezone.now()
        self.lapse(mentor, start)
        self.lapse(mentor, start + 20 * DAY)
        run(now=start + 60 * DAY)

        mentor.profile.refresh_from_db()
        assert mentor.profile.mentoring_status == MentoringStatus.PAUSED
        event = AuditEvent.objects.get(action=AuditAction.MENTOR_PAUSED)
        assert event.actor is None
        assert (event.target_type, event.target_id) == ("members.Profile", str(mentor.pk))
        assert event.data == {"lapsed_requests": 2}
        assert recipients("mentoring/mentor_paused") == [mentor.email]
        text = rendered("mentoring/mentor_paused")
        assert "still available" in text
        assert "/mentoring/offer/" in text

    def test_two_lapses_in_one_run_pause_the_mentor_once(self) -> None:
        mentor = mentor_with_offer(capacity=5)
        self.lapse(mentor, timezone.now(), count=3)
        assert AuditEvent.objects.filter(action=AuditAction.MENTOR_PAUSED).count() == 1
        assert len(mails("mentoring/mentor_paused")) == 1

    def test_the_limit_comes_from_the_network_settings(self) -> None:
        set_network(lapses_before_pause=1)
        mentor = mentor_with_offer(capacity=5)
        self.lapse(mentor, timezone.now())
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.PAUSED

    def test_a_suspended_mentor_is_not_reminded_and_their_lapses_do_not_pause_them(
        self, board_member: User
    ) -> None:
        set_network(lapses_before_pause=1)
        mentor = mentor_with_offer(capacity=5)
        start = timezone.now()
        request = asked_at(start, mentor)
        suspend(user=mentor, until=start + 30 * DAY, actor=board_member)
        run(now=start + 8 * DAY)
        assert not mails("mentoring/request_reminder")
        run(now=start + 14 * DAY)
        # The mentee is freed as usual; the mentor's offer stands for when they are back.
        assert MentoringRequest.objects.get(pk=request.pk).status == MentoringRequest.Status.LAPSED
        assert recipients("mentoring/request_lapsed") == [request.mentee.email]
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.ACCEPTING
        assert not AuditEvent.objects.filter(action=AuditAction.MENTOR_PAUSED).exists()

    def test_lapses_long_ago_do_not_count(self) -> None:
        mentor = mentor_with_offer(capacity=5)
        start = timezone.now()
        self.lapse(mentor, start)
        self.lapse(mentor, start + 120 * DAY)
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.ACCEPTING

    def test_a_mentor_who_turns_their_offer_back_on_starts_with_a_clean_slate(self) -> None:
        mentor = mentor_with_offer(capacity=5)
        now = timezone.now()
        # Paused (and audited) now, for two lapses some weeks ago.
        self.lapse(mentor, now - 40 * DAY, count=2)
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.PAUSED
        Profile.objects.filter(pk=mentor.pk).update(mentoring_status=MentoringStatus.ACCEPTING)

        self.lapse(mentor, now - 13 * DAY)
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.ACCEPTING
        self.lapse(mentor, now - 12 * DAY)
        assert Profile.objects.get(pk=mentor.pk).mentoring_status == MentoringStatus.PAUSED

    def test_the_note_is_not_sent_to_a_mentor_who_already_turned_their_offer_back_on(
        self,
    ) -> None:
        mentor = mentor_with_offer(capacity=5)
        self.lapse(mentor, timezone.now(), count=2)
        Profile.objects.filter(pk=mentor.pk).update(mentoring_status=MentoringStatus.ACCEPTING)
        with pytest.raises(NotNeeded):
            render_email(mails("mentoring/mentor_paused")[0])


def at(day_offset: int) -> datetime:
    """Noon in London `day_offset` days from today."""
    today = london_today() + timedelta(days=day_offset)
    return datetime(today.year, today.month, today.day, 12, tzinfo=services.LONDON)


class TestFitQuestion:
    def test_both_sides_are_asked_once_after_the_networks_weeks(self) -> None:
        pairing = active_pairing()
        assert services.ask_fit_questions(now=at(20)) == 0
        assert services.ask_fit_questions(now=at(21)) == 1
        assert services.ask_fit_questions(now=at(21)) == 0
        assert services.ask_fit_questions(now=at(40)) == 0
        assert recipients("mentoring/fit_question") == sorted(
            [pairing.mentor.email, pairing.mentee.email]
        )
        for email in mails("mentoring/fit_question"):
            assert "will not see it" in render_email(email).body

    def test_a_pairing_that_has_ended_is_not_asked(self) -> None:
        active_pairing(status=Pairing.Status.ENDED_EARLY)
        assert services.ask_fit_questions(now=at(30)) == 0


class TestCheckInReminders:
    def test_a_quiet_pairing_is_reminded_once_a_period(self) -> None:
        pairing = active_pairing()
        assert services.remind_check_ins(now=at(41)) == 0
        assert services.remind_check_ins(now=at(42)) == 1
        assert services.remind_check_ins(now=at(42)) == 0
        assert services.remind_check_ins(now=at(60)) == 0
        assert services.remind_check_ins(now=at(84)) == 1
        assert len(mails("mentoring/check_in_reminder")) == 4
        assert set(recipients("mentoring/check_in_reminder")) == {
            pairing.mentor.email,
            pairing.mentee.email,
        }

    def test_a_recent_check_in_holds_the_reminder_off(self) -> None:
        pairing = active_pairing()
        CheckIn.objects.create(
            pairing=pairing, held_on=london_today() + timedelta(days=30), format="video"
        )
        assert services.remind_check_ins(now=at(42)) == 0
        assert services.remind_check_ins(now=at(72)) == 1

    def test_the_weeks_come_from_the_network_settings(self) -> None:
        set_network(check_in_reminder_weeks=2)
        active_pairing()
        assert services.remind_check_ins(now=at(14)) == 1


class TestEndOfTerm:
    def test_a_pairing_completes_at_the_end_of_its_term_and_both_are_asked_for_feedback(
        self,
    ) -> None:
        pairing = active_pairing(ends_on=london_today() + timedelta(days=10))
        assert services.finish_pairings(now=at(9)) == 0
        assert services.finish_pairings(now=at(10)) == 1
        assert services.finish_pairings(now=at(11)) == 0
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.COMPLETED
        assert recipients("mentoring/pairing_completed") == sorted(
            [pairing.mentor.email, pairing.mentee.email]
        )
        assert "close-out feedback" in render_email(mails("mentoring/pairing_completed")[0]).body

    def test_it_carries_on_for_another_term_when_both_asked(self) -> None:
        ends_on = london_today() + timedelta(days=10)
        pairing = active_pairing(ends_on=ends_on, term_months=6)
        services.ask_to_extend(pairing_id=pairing.pk, member=pairing.mentor)
        services.ask_to_extend(pairing_id=pairing.pk, member=pairing.mentee)

        assert services.finish_pairings(now=at(10)) == 1
        assert services.finish_pairings(now=at(10)) == 0

        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.ACTIVE
        assert pairing.ends_on == services.add_months(ends_on, 6)
        assert not (pairing.mentor_wants_extension or pairing.mentee_wants_extension)
        assert len(mails("mentoring/pairing_extended")) == 2
        assert mails("mentoring/pairing_completed") == []

        # Past the new end, without asking again, it completes.
        days = (pairing.ends_on - london_today()).days
        assert services.finish_pairings(now=at(days)) == 1
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.COMPLETED

    def test_one_side_asking_is_not_enough(self) -> None:
        pairing = active_pairing(ends_on=london_today())
        services.ask_to_extend(pairing_id=pairing.pk, member=pairing.mentee)
        services.finish_pairings(now=at(0))
        pairing.refresh_from_db()
        assert pairing.status == Pairing.Status.COMPLETED


def test_network_defaults_match_the_issue() -> None:
    network = NetworkSettings()
    assert (network.request_reminder_days, network.request_lapse_days) == (5, 14)
    assert (network.lapses_before_pause, network.max_open_requests) == (2, 3)
