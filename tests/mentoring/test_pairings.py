"""A pairing runs its course: both sides agree to a round's proposal, check in, answer "is this
working?" privately, may end early without blame or carry on, and give close-out feedback."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from members.models import MentoringFormat, User
from mentoring import services
from mentoring.models import CheckIn, CloseOut, FitAnswer, Pairing, Refusal
from network.mail import render_email
from network.models import AuditAction, AuditEvent, OutboundEmail
from tests.factories import BoardMemberFactory
from tests.mentoring.support import (
    active_pairing,
    london_today,
    mails,
    mentee_with_goals,
    mentor_with_offer,
    recipients,
    refused,
    rendered,
)

pytestmark = pytest.mark.django_db
Status = Pairing.Status


def proposed() -> Pairing:
    """A pairing a matching round proposed, waiting for both sides."""
    return Pairing.objects.create(
        mentor=mentor_with_offer(name="Grace Adeyemi"),
        mentee=mentee_with_goals(name="Amara Okafor"),
        origin=Pairing.Origin.ROUND,
    )


def weeks_old(weeks: int, **fields: Any) -> Pairing:
    return active_pairing(started_on=london_today() - timedelta(weeks=weeks), **fields)


def both(pairing: Pairing) -> list[str]:
    return sorted([pairing.mentor.email, pairing.mentee.email])


class TestAgreeing:
    def test_a_proposed_pairing_starts_once_both_sides_agree_and_both_are_told(self) -> None:
        pairing = proposed()

        services.agree_to_pairing(pairing_id=pairing.pk, member=pairing.mentor)
        pairing.refresh_from_db()
        assert pairing.status == Status.PROPOSED
        assert pairing.mentor_agreed_at and not pairing.mentee_agreed_at
        assert mails("mentoring/pairing_started") == []

        services.agree_to_pairing(pairing_id=pairing.pk, member=pairing.mentee)
        pairing.refresh_from_db()
        assert pairing.status == Status.ACTIVE
        assert pairing.started_on == london_today()
        assert pairing.ends_on == services.add_months(london_today(), pairing.term_months)
        assert recipients("mentoring/pairing_started") == both(pairing)

    def test_agreeing_twice_changes_nothing(self) -> None:
        pairing = proposed()
        services.agree_to_pairing(pairing_id=pairing.pk, member=pairing.mentee)
        first = Pairing.objects.get(pk=pairing.pk).mentee_agreed_at
        services.agree_to_pairing(pairing_id=pairing.pk, member=pairing.mentee)
        pairing.refresh_from_db()
        assert (pairing.status, pairing.mentee_agreed_at) == (Status.PROPOSED, first)

    def test_someone_outside_the_pair_cannot_agree_or_decline(self) -> None:
        pairing = proposed()
        stranger = mentee_with_goals()
        for service in (services.agree_to_pairing, services.decline_pairing):
            refused(Refusal.NOT_YOURS, service, pairing_id=pairing.pk, member=stranger)

    def test_a_running_pairing_is_not_agreed_to_or_declined(self) -> None:
        pairing = active_pairing()
        for service in (services.agree_to_pairing, services.decline_pairing):
            refused(Refusal.NOT_PROPOSED, service, pairing_id=pairing.pk, member=pairing.mentee)

    def test_either_side_declining_stops_it_and_both_are_told_without_saying_who(self) -> None:
        pairing = proposed()
        services.agree_to_pairing(pairing_id=pairing.pk, member=pairing.mentor)

        services.decline_pairing(pairing_id=pairing.pk, member=pairing.mentee)

        pairing.refresh_from_db()
        assert pairing.status == Status.DECLINED
        assert recipients("mentoring/pairing_declined") == both(pairing)
        mentor_copy = next(
            email
            for email in mails("mentoring/pairing_declined")
            if email.to_email == pairing.mentor.email
        )
        text = render_email(mentor_copy).body
        assert "will not go ahead" in text
        assert "declined" not in text.lower()
        refused(
            Refusal.NOT_PROPOSED,
            services.agree_to_pairing,
            pairing_id=pairing.pk,
            member=pairing.mentor,
        )


class TestCheckIns:
    def test_either_side_records_a_check_in(self) -> None:
        pairing = weeks_old(2)
        for member in (pairing.mentor, pairing.mentee):
            check_in = services.record_check_in(
                pairing_id=pairing.pk,
                member=member,
                held_on=london_today(),
                format=MentoringFormat.VIDEO,
                notes="  We looked at the board papers.  ",
            )
            assert check_in.recorded_by == member
            assert check_in.notes == "We looked at the board papers."
        assert CheckIn.objects.filter(pairing=pairing).count() == 2

    def test_a_check_in_on_a_pairing_that_is_not_yours_is_refused(self) -> None:
        pairing = weeks_old(2)
        refused(
            Refusal.NOT_YOURS,
            services.record_check_in,
            pairing_id=pairing.pk,
            member=mentee_with_goals(),
            held_on=london_today(),
            format=MentoringFormat.VIDEO,
            notes="Not mine to write.",
        )

    def test_a_check_in_dated_tomorrow_or_before_the_start_is_refused(self) -> None:
        pairing = weeks_old(2)
        for held_on, code in (
            (london_today() + timedelta(days=1), Refusal.CHECK_IN_IN_FUTURE),
            (pairing.started_on - timedelta(days=1), Refusal.CHECK_IN_BEFORE_START),
        ):
            refused(
                code,
                services.record_check_in,
                pairing_id=pairing.pk,
                member=pairing.mentee,
                held_on=held_on,
                format=MentoringFormat.PHONE,
                notes="",
            )

    @pytest.mark.parametrize("status", [Status.PROPOSED, Status.COMPLETED, Status.ENDED_EARLY])
    def test_a_pairing_that_is_not_running_takes_no_check_ins(self, status: str) -> None:
        pairing = weeks_old(2, status=status)
        refused(
            Refusal.NOT_ACTIVE,
            services.record_check_in,
            pairing_id=pairing.pk,
            member=pairing.mentee,
            held_on=london_today(),
            format=MentoringFormat.PHONE,
            notes="",
        )


class TestIsThisWorking:
    def test_the_question_opens_after_the_networks_weeks(self) -> None:
        pairing = active_pairing(started_on=london_today() - timedelta(weeks=3) + timedelta(days=1))
        refused(
            Refusal.FIT_TOO_EARLY,
            services.answer_fit,
            pairing_id=pairing.pk,
            member=pairing.mentee,
            working=True,
        )

    def test_each_side_answers_once_and_privately(self) -> None:
        pairing = weeks_old(3)
        answer = services.answer_fit(pairing_id=pairing.pk, member=pairing.mentee, working=False)
        assert (answer.member, answer.working) == (pairing.mentee, False)
        # Nobody is told: the other side never learns the answer.
        assert not OutboundEmail.objects.exists()
        refused(
            Refusal.FIT_ANSWERED,
            services.answer_fit,
            pairing_id=pairing.pk,
            member=pairing.mentee,
            working=True,
        )
        services.answer_fit(pairing_id=pairing.pk, member=pairing.mentor, working=True)
        assert FitAnswer.objects.filter(pairing=pairing).count() == 2

    def test_only_the_pair_answers_and_only_while_it_runs(self) -> None:
        pairing = weeks_old(4)
        refused(
            Refusal.NOT_YOURS,
            services.answer_fit,
            pairing_id=pairing.pk,
            member=mentee_with_goals(),
            working=True,
        )
        services.end_pairing(pairing_id=pairing.pk, member=pairing.mentee)
        refused(
            Refusal.NOT_ACTIVE,
            services.answer_fit,
            pairing_id=pairing.pk,
            member=pairing.mentor,
            working=True,
        )


class TestEndingEarly:
    @pytest.mark.parametrize("side", ["mentor", "mentee"])
    def test_either_side_ends_it_and_the_other_is_told_in_neutral_words(self, side: str) -> None:
        pairing = weeks_old(4)
        ender: User = getattr(pairing, side)
        partner = pairing.partner_of(ender)

        services.end_pairing(pairing_id=pairing.pk, member=ender)

        pairing.refresh_from_db()
        assert (pairing.status, pairing.ended_by) == (Status.ENDED_EARLY, ender)
        assert recipients("mentoring/pairing_ended") == [partner.email]
        text = rendered("mentoring/pairing_ended").lower()
        assert "no reason is needed" in text
        for blame in ("fault", "failed", "complain"):
            assert blame not in text

    def test_ending_twice_or_by_a_stranger_is_refused(self) -> None:
        pairing = weeks_old(4)
        refused(
            Refusal.NOT_YOURS,
            services.end_pairing,
            pairing_id=pairing.pk,
            member=mentor_with_offer(),
        )
        services.end_pairing(pairing_id=pairing.pk, member=pairing.mentor)
        refused(
            Refusal.NOT_ACTIVE,
            services.end_pairing,
            pairing_id=pairing.pk,
            member=pairing.mentee,
        )

    def test_the_board_ends_a_pairing_with_a_reason_for_the_record(self) -> None:
        pairing = weeks_old(4)
        board = BoardMemberFactory()
        services.end_pairing_for_board(pairing_id=pairing.pk, by=board, reason="Suspension")
        pairing.refresh_from_db()
        assert pairing.status == Status.ENDED_EARLY
        event = AuditEvent.objects.get(action=AuditAction.PAIRING_ENDED_BY_BOARD)
        assert (event.actor, event.reason) == (board, "Suspension")
        assert recipients("mentoring/pairing_ended_by_board") == both(pairing)
        refused(
            Refusal.NOT_ACTIVE,
            services.end_pairing_for_board,
            pairing_id=pairing.pk,
            by=board,
            reason="Again",
        )


class TestExtending:
    def test_asking_to_carry_on_tells_the_other_side_once(self) -> None:
        pairing = weeks_old(20)
        for _ in range(2):
            services.ask_to_extend(pairing_id=pairing.pk, member=pairing.mentee)
        pairing.refresh_from_db()
        assert pairing.mentee_wants_extension and not pairing.mentor_wants_extension
        assert recipients("mentoring/extension_asked") == [pairing.mentor.email]

    def test_only_the_pair_asks_and_only_while_it_runs(self) -> None:
        pairing = weeks_old(20, status=Status.COMPLETED)
        refused(
            Refusal.NOT_ACTIVE,
            services.ask_to_extend,
            pairing_id=pairing.pk,
            member=pairing.mentee,
        )
        refused(
            Refusal.NOT_YOURS,
            services.ask_to_extend,
            pairing_id=pairing.pk,
            member=mentee_with_goals(),
        )


class TestCloseOut:
    def close_out(self, pairing: Pairing, member: User) -> CloseOut:
        return services.give_close_out(
            pairing_id=pairing.pk,
            member=member,
            goals_met=CloseOut.GoalsMet.PARTLY,
            would_recommend=True,
            for_the_record=" Now a non-executive director. ",
        )

    def test_feedback_waits_until_the_pairing_has_ended(self) -> None:
        pairing = weeks_old(4)
        refused(
            Refusal.NOT_ENDED,
            services.give_close_out,
            pairing_id=pairing.pk,
            member=pairing.mentee,
            goals_met=CloseOut.GoalsMet.YES,
            would_recommend=True,
            for_the_record="",
        )

    @pytest.mark.parametrize("status", [Status.COMPLETED, Status.ENDED_EARLY])
    def test_each_side_gives_it_once_after_the_end(self, status: str) -> None:
        pairing = weeks_old(30, status=status, ended_at=timezone.now())
        given = self.close_out(pairing, pairing.mentee)
        assert given.for_the_record == "Now a non-executive director."
        refused(
            Refusal.CLOSE_OUT_GIVEN,
            services.give_close_out,
            pairing_id=pairing.pk,
            member=pairing.mentee,
            goals_met=CloseOut.GoalsMet.YES,
            would_recommend=False,
            for_the_record="",
        )
        self.close_out(pairing, pairing.mentor)
        assert CloseOut.objects.filter(pairing=pairing).count() == 2

    def test_nobody_outside_the_pair_gives_it(self) -> None:
        pairing = weeks_old(30, status=Status.COMPLETED)
        refused(
            Refusal.NOT_YOURS,
            services.give_close_out,
            pairing_id=pairing.pk,
            member=mentee_with_goals(),
            goals_met=CloseOut.GoalsMet.YES,
            would_recommend=True,
            for_the_record="",
        )
