"""A mentee asks a mentor; the mentor accepts, declines or asks a question. Every rule says no
with a clear message and changes nothing."""

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from members.models import MentoringStatus, User
from mentoring import services
from mentoring.models import (
    DeclineReason,
    MentoringRequest,
    MentoringRequestQuerySet,
    Pairing,
    PairingQuerySet,
    Refusal,
)
from network.models import NetworkSettings
from tests.mentoring.support import (
    active_pairing,
    at_once,
    london_today,
    mails,
    mentee_with_goals,
    mentor_with_offer,
    refused,
    rendered,
    set_network,
)

Status = MentoringRequest.Status
NOTE = "I am preparing for my first board post and would value your view of finance committees."


def asked(mentee: User | None = None, mentor: User | None = None, **kwargs: Any) -> Any:
    return services.ask(
        mentee=mentee or mentee_with_goals(),
        mentor_id=(mentor or mentor_with_offer()).pk,
        note=kwargs.pop("note", NOTE),
        **kwargs,
    )


@pytest.mark.django_db
class TestAsking:
    def test_asking_an_accepting_mentor_opens_a_request_and_tells_the_mentor(self) -> None:
        mentee = mentee_with_goals(name="Amara Okafor")
        mentor = mentor_with_offer(name="Grace Adeyemi")

        request = services.ask(mentee=mentee, mentor_id=mentor.pk, note=f"  {NOTE}\n")

        request.refresh_from_db()
        assert request.status == Status.WAITING
        assert request.note == NOTE
        assert [email.to_email for email in mails("mentoring/request_received")] == [mentor.email]
        text = rendered("mentoring/request_received")
        assert "Amara Okafor would like you to be their mentor" in text
        assert NOTE in text
        assert f"/mentoring/requests/{request.pk}/" in text

    @pytest.mark.parametrize("note", ["", "   \n ", "x" * 1001])
    def test_a_missing_or_overlong_note_is_refused(self, note: str) -> None:
        mentee, mentor = mentee_with_goals(), mentor_with_offer()
        refused(Refusal.NOTE_NEEDED, services.ask, mentee=mentee, mentor_id=mentor.pk, note=note)

    def test_a_note_of_exactly_the_limit_is_taken(self) -> None:
        assert len(asked(note="x" * 1000).note) == 1000

    def test_a_fourth_open_request_is_refused_and_changes_nothing(self) -> None:
        mentee = mentee_with_goals()
        for _ in range(3):
            asked(mentee)
        refusal = refused(
            Refusal.TOO_MANY_REQUESTS,
            services.ask,
            mentee=mentee,
            mentor_id=mentor_with_offer().pk,
            note=NOTE,
        )
        assert "withdraw one" in refusal.message
        assert MentoringRequest.objects.open().filter(mentee=mentee).count() == 3

    def test_the_limit_on_open_requests_comes_from_the_network_settings(self) -> None:
        set_network(max_open_requests=1)
        mentee = mentee_with_goals()
        asked(mentee)
        refused(
            Refusal.TOO_MANY_REQUESTS,
            services.ask,
            mentee=mentee,
            mentor_id=mentor_with_offer().pk,
            note=NOTE,
        )

    def test_answered_or_withdrawn_requests_free_a_place_for_another(self) -> None:
        mentee = mentee_with_goals()
        first, *_ = [asked(mentee) for _ in range(3)]
        services.withdraw_request(request_id=first.pk, mentee=mentee)
        assert asked(mentee).status == Status.WAITING

    def test_asking_the_same_mentor_twice_is_refused(self) -> None:
        mentee, mentor = mentee_with_goals(), mentor_with_offer()
        asked(mentee, mentor)
        refused(Refusal.ALREADY_ASKED, services.ask, mentee=mentee, mentor_id=mentor.pk, note=NOTE)

    def test_asking_the_same_mentor_again_after_they_declined_is_allowed(self) -> None:
        mentee, mentor = mentee_with_goals(), mentor_with_offer()
        first = asked(mentee, mentor)
        services.decline_request(
            request_id=first.pk, mentor=mentor, reason=DeclineReason.NO_CAPACITY
        )
        assert asked(mentee, mentor).pk != first.pk

    def test_a_mentor_with_no_capacity_cannot_be_asked(self) -> None:
        mentee, mentor = mentee_with_goals(), mentor_with_offer(capacity=0)
        refused(Refusal.AT_CAPACITY, services.ask, mentee=mentee, mentor_id=mentor.pk, note=NOTE)

    def test_a_mentor_whose_places_are_taken_cannot_be_asked(self) -> None:
        mentor = mentor_with_offer(capacity=1)
        active_pairing(mentor)
        mentee = mentee_with_goals()
        refused(Refusal.AT_CAPACITY, services.ask, mentee=mentee, mentor_id=mentor.pk, note=NOTE)

    @pytest.mark.parametrize("status", [MentoringStatus.PAUSED, MentoringStatus.NOT_OFFERED])
    def test_a_mentor_not_taking_mentees_cannot_be_asked(self, status: str) -> None:
        mentee, mentor = mentee_with_goals(), mentor_with_offer(status=status)
        refused(Refusal.NOT_ACCEPTING, services.ask, mentee=mentee, mentor_id=mentor.pk, note=NOTE)

    def test_a_member_who_does_not_exist_cannot_be_asked(self) -> None:
        mentee = mentee_with_goals()
        refused(Refusal.NOT_ACCEPTING, services.ask, mentee=mentee, mentor_id=10**9, note=NOTE)

    def test_nobody_can_ask_themselves(self) -> None:
        mentor = mentor_with_offer()
        refused(Refusal.OWN_REQUEST, services.ask, mentee=mentor, mentor_id=mentor.pk, note=NOTE)

    def test_a_current_mentor_cannot_be_asked_again(self) -> None:
        pairing = active_pairing()
        refused(
            Refusal.ALREADY_PAIRED,
            services.ask,
            mentee=pairing.mentee,
            mentor_id=pairing.mentor_id,
            note=NOTE,
        )

    def test_a_mentor_from_the_mentees_own_organisation_is_not_allowed_unless_asked_for(
        self,
    ) -> None:
        mentor = mentor_with_offer()
        same = {"organisation": mentor.profile.organisation}
        mentee = mentee_with_goals(profile=same)
        refused(Refusal.NOT_SUGGESTED, services.ask, mentee=mentee, mentor_id=mentor.pk, note=NOTE)
        fine = mentee_with_goals(profile={**same, "mentor_from_own_organisation": True})
        assert asked(fine, mentor).status == Status.WAITING

    def test_a_past_mentor_is_not_asked_again(self) -> None:
        pairing = active_pairing(status=Pairing.Status.COMPLETED)
        refused(
            Refusal.NOT_SUGGESTED,
            services.ask,
            mentee=pairing.mentee,
            mentor_id=pairing.mentor_id,
            note=NOTE,
        )


@pytest.mark.django_db
class TestWithdrawing:
    def test_the_mentee_can_withdraw_an_open_request(self) -> None:
        request = asked()
        services.withdraw_request(request_id=request.pk, mentee=request.mentee)
        request.refresh_from_db()
        assert request.status == Status.WITHDRAWN
        assert request.closed_at is not None

    def test_nobody_else_can_withdraw_it(self) -> None:
        request = asked()
        for someone in (request.mentor, mentee_with_goals()):
            refused(
                Refusal.NOT_YOURS, services.withdraw_request, request_id=request.pk, mentee=someone
            )

    def test_withdrawing_twice_is_refused(self) -> None:
        request = asked()
        services.withdraw_request(request_id=request.pk, mentee=request.mentee)
        refused(
            Refusal.NOT_OPEN,
            services.withdraw_request,
            request_id=request.pk,
            mentee=request.mentee,
        )


@pytest.mark.django_db
class TestAccepting:
    def test_accepting_starts_an_active_pairing_for_the_term_and_tells_the_mentee(self) -> None:
        mentor = mentor_with_offer(name="Grace Adeyemi")
        request = asked(mentor=mentor)

        pairing = services.accept_request(request_id=request.pk, mentor=mentor)

        pairing.refresh_from_db()
        request.refresh_from_db()
        assert request.status == Status.ACCEPTED
        assert pairing.status == Pairing.Status.ACTIVE
        assert (pairing.mentor, pairing.mentee, pairing.request) == (
            mentor,
            request.mentee,
            request,
        )
        assert pairing.mentor_agreed_at and pairing.mentee_agreed_at
        assert pairing.started_on == london_today()
        assert pairing.ends_on == services.add_months(london_today(), 6)
        assert [e.to_email for e in mails("mentoring/request_accepted")] == [request.mentee.email]
        text = rendered("mentoring/request_accepted")
        assert "Grace Adeyemi has agreed to mentor you" in text
        assert f"/mentoring/pairings/{pairing.pk}/" in text

    def test_the_term_comes_from_the_network_settings(self) -> None:
        set_network(pairing_term_months=3)
        request = asked()
        pairing = services.accept_request(request_id=request.pk, mentor=request.mentor)
        assert pairing.term_months == 3
        assert pairing.ends_on == services.add_months(pairing.started_on, 3)

    def test_the_pairing_starts_on_the_uk_date(self) -> None:
        request = asked()
        # 23:30 in London on a summer's day is 22:30 UTC: the pairing starts on the London day.
        late = datetime(2025, 7, 31, 22, 30, tzinfo=UTC)
        MentoringRequest.objects.filter(pk=request.pk).update(waiting_since=late)
        pairing = services.accept_request(request_id=request.pk, mentor=request.mentor, now=late)
        assert pairing.started_on == date(2025, 7, 31)
        assert pairing.ends_on == date(2026, 1, 31)

    def test_accepting_twice_is_refused(self) -> None:
        request = asked()
        services.accept_request(request_id=request.pk, mentor=request.mentor)
        refused(
            Refusal.NOT_OPEN,
            services.accept_request,
            request_id=request.pk,
            mentor=request.mentor,
        )
        assert Pairing.objects.count() == 1

    def test_only_the_mentor_asked_can_accept(self) -> None:
        request = asked()
        for someone in (request.mentee, mentor_with_offer()):
            refused(
                Refusal.NOT_YOURS, services.accept_request, request_id=request.pk, mentor=someone
            )

    def test_a_request_past_its_lapse_time_is_refused_as_lapsed_before_the_beat_runs(
        self,
    ) -> None:
        request = asked()
        lapse = NetworkSettings.load().request_lapse_days
        refused(
            Refusal.LAPSED,
            services.accept_request,
            request_id=request.pk,
            mentor=request.mentor,
            now=request.waiting_since + timedelta(days=lapse),
        )
        refused(
            Refusal.LAPSED,
            services.ask_question,
            request_id=request.pk,
            mentor=request.mentor,
            question="When are you free?",
            now=request.waiting_since + timedelta(days=lapse, hours=1),
        )

    def test_a_lapsed_request_cannot_be_accepted(self) -> None:
        request = asked()
        MentoringRequest.objects.filter(pk=request.pk).update(status=Status.LAPSED)
        refused(
            Refusal.LAPSED, services.accept_request, request_id=request.pk, mentor=request.mentor
        )

    def test_a_withdrawn_request_cannot_be_accepted(self) -> None:
        request = asked()
        services.withdraw_request(request_id=request.pk, mentee=request.mentee)
        refused(
            Refusal.NOT_OPEN, services.accept_request, request_id=request.pk, mentor=request.mentor
        )

    def test_a_mentor_whose_places_filled_since_cannot_accept_more(self) -> None:
        mentor = mentor_with_offer(capacity=1)
        first, second = asked(mentor=mentor), asked(mentor=mentor)
        services.accept_request(request_id=first.pk, mentor=mentor)
        refused(Refusal.AT_CAPACITY, services.accept_request, request_id=second.pk, mentor=mentor)

    def test_a_paused_mentor_may_still_accept_what_they_were_asked_before(self) -> None:
        mentor = mentor_with_offer()
        request = asked(mentor=mentor)
        mentor.profile.mentoring_status = MentoringStatus.PAUSED
        mentor.profile.save()
        pairing = services.accept_request(request_id=request.pk, mentor=mentor)
        assert pairing.status == Pairing.Status.ACTIVE


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 1, 15), 6, date(2025, 7, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2025, 10, 31), 1, date(2025, 11, 30)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 7, 10), 24, date(2027, 7, 10)),
    ],
)
def test_a_term_in_months_ends_on_the_same_day_or_the_months_last(
    start: date, months: int, end: date
) -> None:
    assert services.add_months(start, months) == end


@pytest.mark.django_db
class TestDeclining:
    @pytest.mark.parametrize("reason", DeclineReason.values)
    def test_the_mentee_reads_a_kind_message_that_never_blames_them(self, reason: str) -> None:
        mentor = mentor_with_offer(name="Grace Adeyemi")
        request = asked(mentor=mentor)

        services.decline_request(request_id=request.pk, mentor=mentor, reason=reason)

        request.refresh_from_db()
        assert (request.status, request.decline_reason) == (Status.DECLINED, reason)
        assert [e.to_email for e in mails("mentoring/request_declined")] == [request.mentee.email]
        text = rendered("mentoring/request_declined")
        assert "Grace Adeyemi" in text
        assert "free to ask" in text
        for blame in ("your fault", "not good enough", "unsuitable", "rejected"):
            assert blame not in text.lower()

    @pytest.mark.parametrize("reason", ["", "rude", "NO_CAPACITY"])
    def test_a_reason_from_the_list_is_needed(self, reason: str) -> None:
        request = asked()
        refused(
            Refusal.REASON_NEEDED,
            services.decline_request,
            request_id=request.pk,
            mentor=request.mentor,
            reason=reason,
        )

    def test_only_the_mentor_asked_can_decline_and_only_once(self) -> None:
        request = asked()
        refused(
            Refusal.NOT_YOURS,
            services.decline_request,
            request_id=request.pk,
            mentor=request.mentee,
            reason=DeclineReason.PERSONAL,
        )
        services.decline_request(
            request_id=request.pk, mentor=request.mentor, reason=DeclineReason.PERSONAL
        )
        refused(
            Refusal.NOT_OPEN,
            services.decline_request,
            request_id=request.pk,
            mentor=request.mentor,
            reason=DeclineReason.PERSONAL,
        )


@pytest.mark.django_db
class TestQuestions:
    def test_the_mentor_asks_and_the_mentee_answers_then_the_mentor_decides(self) -> None:
        mentor = mentor_with_offer(name="Grace Adeyemi")
        mentee = mentee_with_goals(name="Amara Okafor")
        request = asked(mentee, mentor)
        later = timezone.now() + timedelta(days=3)

        services.ask_question(
            request_id=request.pk, mentor=mentor, question=" Which board do you aim for? "
        )
        request.refresh_from_db()
        assert (request.status, request.question) == (
            Status.QUESTION,
            "Which board do you aim for?",
        )
        assert [e.to_email for e in mails("mentoring/request_question")] == [mentee.email]
        assert "Which board do you aim for?" in rendered("mentoring/request_question")

        services.answer_question(
            request_id=request.pk, mentee=mentee, answer="A community trust.", now=later
        )
        request.refresh_from_db()
        assert (request.status, request.answer) == (Status.WAITING, "A community trust.")
        assert request.waiting_since == later
        assert [e.to_email for e in mails("mentoring/request_answered")] == [mentor.email]
        text = rendered("mentoring/request_answered")
        assert "Which board do you aim for?" in text and "A community trust." in text

        services.accept_request(request_id=request.pk, mentor=mentor, now=later)

    def test_an_empty_question_is_refused(self) -> None:
        request = asked()
        refused(
            Refusal.QUESTION_NEEDED,
            services.ask_question,
            request_id=request.pk,
            mentor=request.mentor,
            question="  ",
        )

    def test_a_second_question_waits_for_the_answer_to_the_first(self) -> None:
        request = asked()
        services.ask_question(request_id=request.pk, mentor=request.mentor, question="Why me?")
        refused(
            Refusal.NOT_OPEN,
            services.ask_question,
            request_id=request.pk,
            mentor=request.mentor,
            question="And when?",
        )

    def test_only_the_mentor_asks_and_only_the_mentee_answers(self) -> None:
        request = asked()
        refused(
            Refusal.NOT_YOURS,
            services.ask_question,
            request_id=request.pk,
            mentor=request.mentee,
            question="Why me?",
        )
        services.ask_question(request_id=request.pk, mentor=request.mentor, question="Why me?")
        refused(
            Refusal.NOT_YOURS,
            services.answer_question,
            request_id=request.pk,
            mentee=request.mentor,
            answer="Because.",
        )

    def test_there_is_nothing_to_answer_without_a_question(self) -> None:
        request = asked()
        refused(
            Refusal.NO_QUESTION,
            services.answer_question,
            request_id=request.pk,
            mentee=request.mentee,
            answer="Unasked.",
        )

    def test_an_empty_answer_is_refused(self) -> None:
        request = asked()
        services.ask_question(request_id=request.pk, mentor=request.mentor, question="Why me?")
        refusal = refused(
            Refusal.NO_QUESTION,
            services.answer_question,
            request_id=request.pk,
            mentee=request.mentee,
            answer=" ",
        )
        assert refusal.message == "Write your answer."


@pytest.mark.django_db(transaction=True)
class TestAtOnce:
    """Real threads on PostgreSQL, each with its own connection, released together. Each test
    has a control: the same jobs with the account's lock taken out and a pause before the write
    break the rule, which shows the test can see a race."""

    @pytest.fixture(autouse=True)
    def postgres_only(self, requires_postgres: None, monkeypatch: pytest.MonkeyPatch) -> None:
        # The mail these changes queue stays in the outbox: it is checked elsewhere.
        monkeypatch.setattr("network.mail.enqueue", lambda ids: None)
        NetworkSettings.load()

    @staticmethod
    def without_locks_and_slow(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(services, "_lock_account", lambda user_id: None)
        for queryset in (MentoringRequestQuerySet, PairingQuerySet):
            create = queryset.create

            def slow(self: Any, *args: Any, _create: Any = create, **kwargs: Any) -> Any:
                time.sleep(0.3)
                return _create(self, *args, **kwargs)

            monkeypatch.setattr(queryset, "create", slow)

    def asks_at_once(self, count: int) -> tuple[User, list[Any]]:
        mentee = mentee_with_goals()
        mentors = [mentor_with_offer() for _ in range(count)]
        return mentee, at_once(
            [
                lambda mentor=mentor: services.ask(mentee=mentee, mentor_id=mentor.pk, note=NOTE)
                for mentor in mentors
            ]
        )

    def test_six_asks_at_once_open_no_more_requests_than_the_limit(self) -> None:
        mentee, answers = self.asks_at_once(6)
        assert sum(isinstance(a, MentoringRequest) for a in answers) == 3
        assert answers.count(Refusal.TOO_MANY_REQUESTS) == 3
        assert MentoringRequest.objects.open().filter(mentee=mentee).count() == 3

    def test_control_without_the_mentees_lock_asks_overrun_the_limit(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.without_locks_and_slow(monkeypatch)
        mentee, _ = self.asks_at_once(6)
        assert MentoringRequest.objects.open().filter(mentee=mentee).count() > 3

    def accepts_at_once(self, count: int) -> tuple[User, list[Any]]:
        mentor = mentor_with_offer(capacity=2)
        requests = [asked(mentor=mentor) for _ in range(count)]
        return mentor, at_once(
            [
                lambda request=request: services.accept_request(
                    request_id=request.pk, mentor=mentor
                )
                for request in requests
            ]
        )

    def test_five_accepts_at_once_never_pass_the_mentors_capacity(self) -> None:
        mentor, answers = self.accepts_at_once(5)
        assert sum(isinstance(a, Pairing) for a in answers) == 2
        assert answers.count(Refusal.AT_CAPACITY) == 3
        assert Pairing.objects.live().filter(mentor=mentor).count() == 2
        assert MentoringRequest.objects.filter(mentor=mentor, status=Status.ACCEPTED).count() == 2

    def test_control_without_the_mentors_lock_accepts_overrun_the_capacity(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.without_locks_and_slow(monkeypatch)
        mentor, _ = self.accepts_at_once(5)
        assert Pairing.objects.live().filter(mentor=mentor).count() > 2
