"""A member's mentoring record: counted in constant queries, shown on their profile and in the
board's vetting summary only to the audience they chose for their mentoring offer; and the
career milestones mentees reach once a pairing begins, for the impact figures."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invitations import services as invitations
from members.models import CareerMilestone, Profile, User, Visibility
from mentoring.models import CloseOut, Pairing
from mentoring.reputation import (
    MentoringRecord,
    milestones_after_mentoring,
    records_for,
)
from tests.factories import ApplicationFactory, BoardMemberFactory, MemberFactory, sign_in_with_mfa
from tests.mentoring.support import active_pairing, mentee_with_goals, mentor_with_offer

pytestmark = pytest.mark.django_db


def finished(mentor: User, *, status: str = Pairing.Status.COMPLETED, **fields: object) -> Pairing:
    pairing = active_pairing(mentor, mentee_with_goals(), started_on=date(2025, 1, 6), **fields)
    pairing.status = status
    pairing.ended_at = timezone.now()
    pairing.save(update_fields=["status", "ended_at"])
    return pairing


def close_out(pairing: Pairing, member: User | None, *, recommend: bool) -> CloseOut:
    return CloseOut.objects.create(
        pairing=pairing, member=member, goals_met="yes", would_recommend=recommend
    )


def show_offer(member: User, audience: str) -> None:
    profile = Profile.objects.get(user=member)
    profile.visibility = {**profile.visibility, "mentoring_offer": audience}
    profile.save()


@pytest.fixture
def siobhan() -> User:
    """A mentor with two mentees now, three pairings behind her (one ended early), close-outs
    from her mentees and herself, and an endorsement given."""
    mentor = mentor_with_offer(name="Siobhan Kelly", capacity=3)
    active_pairing(mentor)
    active_pairing(mentor)
    first = finished(mentor)
    second = finished(mentor)
    early = finished(mentor, status=Pairing.Status.ENDED_EARLY)
    close_out(first, first.mentee, recommend=True)
    close_out(first, mentor, recommend=True)  # her own word about the pairing does not count
    close_out(second, None, recommend=True)  # from a mentee who has since left: still counts
    close_out(early, early.mentee, recommend=False)
    # Pairings that never ran, and someone else's, are not hers to count.
    active_pairing(mentor, status=Pairing.Status.PROPOSED, started_on=None, ends_on=None)
    active_pairing(mentee_with_goals(), mentor)  # she is the mentee here
    application = ApplicationFactory()
    invitations.open_for_endorsement(application_id=application.pk, by=BoardMemberFactory())
    invitations.endorse(application_id=application.pk, member=mentor, text="Ready for a board.")
    return mentor


def test_the_record_counts_mentees_now_completed_pairings_recommendations_and_endorsements(
    siobhan: User,
) -> None:
    assert records_for([siobhan.pk])[siobhan.pk] == MentoringRecord(
        active_mentees=2, completed_pairings=2, positive_close_outs=2, endorsements_given=1
    )


def test_a_member_with_no_mentoring_has_an_empty_record() -> None:
    member = MemberFactory()
    record = records_for([member.pk])[member.pk]
    assert record.is_empty
    assert str(record) == "no pairings or endorsements in the network yet"


def test_records_for_many_members_take_one_query(siobhan: User) -> None:
    others = [mentor_with_offer() for _ in range(5)]
    for mentor in others:
        finished(mentor)
    with CaptureQueriesContext(connection) as queries:
        records = records_for([siobhan.pk, *(mentor.pk for mentor in others)])
    assert len(queries) == 1
    assert [records[mentor.pk].completed_pairings for mentor in others] == [1] * 5


def profile_page(viewer: Client, member: User) -> str:
    return viewer.get(f"/members/{member.pk}/").content.decode()


def test_members_see_the_record_on_the_profile_when_the_offer_is_shown_to_members(
    siobhan: User,
) -> None:
    viewer = Client()
    viewer.force_login(MemberFactory())
    page = profile_page(viewer, siobhan)
    assert "Mentoring record" in page
    assert "2 mentees" in page and "1 applicant" in page


@pytest.mark.parametrize("audience", [Visibility.BOARD, Visibility.ONLY_ME])
def test_members_do_not_see_a_record_the_mentor_kept_from_them(
    siobhan: User, audience: str
) -> None:
    show_offer(siobhan, audience)
    viewer = Client()
    viewer.force_login(MemberFactory())
    assert "Mentoring record" not in profile_page(viewer, siobhan)
    own = Client()
    own.force_login(siobhan)
    assert "Mentoring record" in profile_page(own, siobhan), "the mentor sees her own record"


def test_the_board_sees_a_record_shown_to_the_board_but_not_one_kept_to_the_mentor(
    siobhan: User, board_member: User
) -> None:
    board = Client()
    sign_in_with_mfa(board, board_member)
    show_offer(siobhan, Visibility.BOARD)
    assert "Mentoring record" in profile_page(board, siobhan)
    show_offer(siobhan, Visibility.ONLY_ME)
    assert "Mentoring record" not in profile_page(board, siobhan)


def test_a_member_with_no_offer_and_no_record_shows_no_empty_record() -> None:
    member = MemberFactory()
    viewer = Client()
    viewer.force_login(MemberFactory())
    assert "Mentoring record" not in profile_page(viewer, member)


def vetting_page(board_member: User, application_id: int) -> str:
    board = Client()
    sign_in_with_mfa(board, board_member)
    return board.get(f"/board/invitations/application/{application_id}/change/").content.decode()


def test_the_vetting_summary_shows_the_record_of_the_nominator_and_each_endorser(
    siobhan: User, board_member: User
) -> None:
    nominee = invitations.nominate(
        nominator=siobhan,
        data={
            "name": "Grace Adeyemi",
            "email": "grace@example.org",
            "job_title": "Head of Nursing",
            "organisation": "NHS England",
            "profession": "nursing",
            "region": "london",
            "career_aspiration": "A board role",
            "mentoring_evidence": "Mentors three ward managers",
            "current_mentees": 3,
            "referee": "",
        },
    )
    assert nominee is not None
    invitations.open_for_endorsement(application_id=nominee.pk, by=board_member)
    endorser = mentor_with_offer(name="Mei Chen")
    finished(endorser)
    invitations.endorse(application_id=nominee.pk, member=endorser, text="A fine leader.")
    page = vetting_page(board_member, nominee.pk)
    assert "mentoring 2 people now, 2 pairings completed, recommended by 2 mentees" in page
    assert "mentoring 0 people now, 1 pairing completed" in page


def test_the_vetting_summary_leaves_out_the_record_of_an_endorser_who_chose_only_me(
    siobhan: User, board_member: User
) -> None:
    application = ApplicationFactory()
    invitations.open_for_endorsement(application_id=application.pk, by=board_member)
    invitations.endorse(application_id=application.pk, member=siobhan, text="Kind and wise.")
    show_offer(siobhan, Visibility.ONLY_ME)
    page = vetting_page(board_member, application.pk)
    assert "Kind and wise." in page
    assert "mentoring record:" not in page
    assert "pairings completed" not in page
    show_offer(siobhan, Visibility.BOARD)
    assert "mentoring record: mentoring 2 people now" in vetting_page(board_member, application.pk)


def milestone(mentee: User, on: date) -> CareerMilestone:
    return CareerMilestone.objects.create(
        profile=Profile.objects.get(user=mentee), achieved_on=on, description="A board post"
    )


def test_milestones_count_once_a_pairing_began_during_or_after_it() -> None:
    start = date(2025, 1, 6)
    running = active_pairing(started_on=start)
    ended = active_pairing(started_on=start)
    Pairing.objects.filter(pk=ended.pk).update(
        status=Pairing.Status.COMPLETED,
        ended_at=timezone.make_aware(timezone.datetime(2025, 7, 6, 12)),
    )
    milestone(running.mentee, start - timedelta(days=1))  # before the pairing: not counted
    milestone(running.mentee, start + timedelta(days=30))  # during
    milestone(ended.mentee, date(2025, 3, 1))  # during
    milestone(ended.mentee, date(2025, 9, 1))  # after
    milestone(ended.mentee, date(2025, 10, 1))  # after
    never = active_pairing(status=Pairing.Status.PROPOSED, started_on=None, ends_on=None)
    milestone(never.mentee, date(2025, 9, 1))  # a pairing that never ran
    milestone(MemberFactory(), date(2025, 9, 1))  # never mentored
    milestone(running.mentor, date(2025, 9, 1))  # a mentor's own milestone is not a mentee's

    figures = milestones_after_mentoring()
    assert (figures.during, figures.after, figures.total, figures.mentees) == (2, 2, 4, 2)
    since = milestones_after_mentoring(since=date(2025, 6, 1))
    assert (since.during, since.after, since.mentees) == (0, 2, 1)
