from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from events.models import Registration
from events.services import register
from members import suspension as suspensions
from members.models import Suspension, User
from members.services import erase_member
from members.suspension import Refusal, current_suspension, end_due_suspensions, lift, suspend
from members.tasks import end_suspensions
from mentoring.matching import suggestions
from mentoring.models import Pairing
from network.errors import Refused
from network.models import AuditAction, AuditEvent, NetworkSettings
from tests.events.support import mails, published_event
from tests.factories import PASSWORD, MemberFactory
from tests.mentoring.support import active_pairing, at_once, mentee_with_goals, mentor_with_offer

pytestmark = pytest.mark.django_db


def a_week() -> datetime:
    return timezone.now() + timedelta(days=7)


def sign_in(client: Client, user: User):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def test_an_open_session_is_signed_out_at_its_next_request(
    client: Client, member: User, board_member: User
) -> None:
    client.force_login(member)
    assert client.get("/home/").status_code == 200

    suspend(user=member, until=a_week(), actor=board_member)

    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/home/"


def test_a_session_open_at_the_suspension_stays_ended_when_access_comes_back(
    client: Client, member: User, board_member: User
) -> None:
    client.force_login(member)
    elsewhere = Client()
    elsewhere.force_login(member)
    suspension = suspend(user=member, until=a_week(), actor=board_member)

    lift(suspension=suspension, actor=board_member)

    assert client.get("/home/").status_code == 302
    assert elsewhere.get("/home/")["Location"] == "/accounts/login/?next=/home/"
    assert sign_in(Client(), member).status_code == 302


def test_sign_in_is_refused_with_a_page_giving_the_date_in_london_time(
    client: Client, member: User, board_member: User
) -> None:
    NetworkSettings.objects.filter(pk=NetworkSettings.load().pk).update(
        contact_email="board@network.example.org"
    )
    NetworkSettings.clear_cache()
    # London is an hour ahead of UTC in summer.
    until = datetime(2099, 7, 15, 9, 30, tzinfo=UTC)
    suspend(user=member, until=until, actor=board_member)

    response = sign_in(client, member)

    page = response.content.decode()
    assert "Your membership is suspended" in page
    assert "until Wednesday 15 July 2099 at 10:30am" in page
    assert "board@network.example.org" in page
    assert "_auth_user_id" not in client.session


def test_an_open_ended_suspension_says_the_board_lifts_it(
    client: Client, member: User, board_member: User
) -> None:
    suspend(user=member, until=None, actor=board_member)

    page = sign_in(client, member).content.decode()

    assert "until the board lifts it" in page
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_learns_nothing_of_the_suspension(
    client: Client, member: User, board_member: User
) -> None:
    suspend(user=member, until=a_week(), actor=board_member)

    response = client.post("/accounts/login/", {"login": member.email, "password": "wrong-one"})

    page = response.content.decode()
    assert "suspended" not in page
    assert "There is a problem" in page


def test_another_inactive_account_gets_a_plain_page(client: Client, member: User) -> None:
    User.objects.filter(pk=member.pk).update(is_active=False)

    page = sign_in(client, member).content.decode()

    assert "You cannot sign in to this account" in page
    assert "suspended" not in page


def test_a_suspended_member_leaves_the_directory_and_mentoring_suggestions(
    client: Client, board_member: User
) -> None:
    mentor = mentor_with_offer(name="Grace Adeyemi")
    mentee = mentee_with_goals(name="Amara Okafor")
    assert [s.mentor.pk for s in suggestions(mentee=mentee)] == [mentor.pk]
    client.force_login(mentee)
    assert "Grace Adeyemi" in client.get("/members/").content.decode()

    suspend(user=mentor, until=a_week(), actor=board_member)

    assert suggestions(mentee=mentee) == []
    assert "Grace Adeyemi" not in client.get("/members/").content.decode()
    assert client.get(f"/members/{mentor.pk}/").status_code == 404


def test_seats_go_to_the_waiting_list_and_stay_there_after_the_lift(
    board_member: User, django_capture_on_commit_callbacks
) -> None:
    event = published_event(capacity=1)
    suspended, waiting = MemberFactory(), MemberFactory()
    register(event_id=event.pk, member=suspended)
    register(event_id=event.pk, member=waiting)

    with django_capture_on_commit_callbacks(execute=True):
        suspension = suspend(user=suspended, until=a_week(), actor=board_member)

    statuses = dict(event.registrations.values_list("member_id", "status"))
    assert statuses == {
        suspended.pk: Registration.Status.REMOVED,
        waiting.pk: Registration.Status.CONFIRMED,
    }
    assert [m.to_email for m in mails("events/promoted")] == [waiting.email]

    lift(suspension=suspension, actor=board_member)

    assert dict(event.registrations.values_list("member_id", "status")) == statuses


def test_the_suspension_and_its_end_are_audited_without_personal_words(
    member: User, board_member: User
) -> None:
    until = a_week()
    suspension = suspend(user=member, until=until, actor=board_member)
    lift(suspension=suspension, actor=board_member)

    suspended, ended = AuditEvent.objects.filter(target_id=str(member.pk)).order_by("pk")
    assert suspended.action == AuditAction.MEMBER_SUSPENDED
    assert suspended.actor == board_member
    assert suspended.data == {"suspension": suspension.pk, "until": until.isoformat()}
    assert ended.action == AuditAction.SUSPENSION_ENDED
    assert ended.data == {"suspension": suspension.pk, "ended_on_its_date": False}


def test_lifting_gives_access_back_once(client: Client, member: User, board_member: User) -> None:
    suspension = suspend(user=member, until=None, actor=board_member)
    assert current_suspension(member) == suspension

    assert lift(suspension=suspension, actor=board_member) is True
    assert lift(suspension=suspension, actor=board_member) is False

    assert current_suspension(member) is None
    assert AuditEvent.objects.filter(action=AuditAction.SUSPENSION_ENDED).count() == 1
    sign_in(client, member)
    assert client.session["_auth_user_id"] == str(member.pk)


def test_a_suspension_ends_on_its_date_by_itself(member: User, board_member: User) -> None:
    start = timezone.now()
    suspension = suspend(user=member, until=start + timedelta(days=7), actor=board_member)

    assert end_due_suspensions(now=start + timedelta(days=6, hours=23)) == 0
    member.refresh_from_db()
    assert not member.is_active

    assert end_due_suspensions(now=start + timedelta(days=7)) == 1
    assert end_due_suspensions(now=start + timedelta(days=7, minutes=15)) == 0
    member.refresh_from_db()
    suspension.refresh_from_db()
    assert member.is_active
    assert suspension.lifted_at == start + timedelta(days=7)
    ended = AuditEvent.objects.get(action=AuditAction.SUSPENSION_ENDED)
    assert ended.actor is None
    assert ended.data["ended_on_its_date"] is True


def test_the_beat_task_lifts_what_is_due(member: User, board_member: User) -> None:
    suspension = suspend(user=member, until=a_week(), actor=board_member)
    Suspension.objects.filter(pk=suspension.pk).update(
        starts_at=timezone.now() - timedelta(days=8), ends_at=timezone.now() - timedelta(hours=1)
    )

    assert end_suspensions.delay().get() == 1

    member.refresh_from_db()
    assert member.is_active


def test_open_ended_suspensions_wait_for_the_board(member: User, board_member: User) -> None:
    suspend(user=member, until=None, actor=board_member)

    assert end_due_suspensions(now=timezone.now() + timedelta(days=3650)) == 0
    assert current_suspension(member) is not None


def _refused(code: Refusal, **kwargs) -> None:  # type: ignore[no-untyped-def]
    users = dict(User.objects.values_list("pk", "is_active"))
    suspensions = Suspension.objects.count()
    audit = AuditEvent.objects.count()
    with pytest.raises(Refused) as refused:
        suspend(**kwargs)
    assert refused.value.code == code
    assert refused.value.message == code.label
    assert dict(User.objects.values_list("pk", "is_active")) == users
    assert Suspension.objects.count() == suspensions
    assert AuditEvent.objects.count() == audit


def test_an_end_in_the_past_is_refused(member: User, board_member: User) -> None:
    _refused(
        Refusal.ENDS_IN_PAST,
        user=member,
        until=timezone.now() - timedelta(minutes=1),
        actor=board_member,
    )


def test_suspending_twice_is_refused(member: User, board_member: User) -> None:
    suspend(user=member, until=a_week(), actor=board_member)
    _refused(Refusal.ALREADY_SUSPENDED, user=member, until=None, actor=board_member)


def test_the_board_cannot_suspend_its_own_or_a_superuser(board_member: User) -> None:
    colleague = User.objects.get(pk=board_member.pk)
    operator = User.objects.create_superuser("operator@example.org", PASSWORD)
    _refused(Refusal.BOARD_MEMBER, user=colleague, until=a_week(), actor=board_member)
    _refused(Refusal.BOARD_MEMBER, user=operator, until=a_week(), actor=board_member)


def test_a_deleted_account_cannot_be_suspended(member: User, board_member: User) -> None:
    erase_member(user=member, actor=board_member, reason="")
    _refused(Refusal.ERASED, user=member, until=a_week(), actor=board_member)


def test_a_member_erased_while_suspended_stays_off_when_it_ends(
    member: User, board_member: User
) -> None:
    suspension = suspend(user=member, until=a_week(), actor=board_member)
    erase_member(user=member, actor=board_member, reason="")

    lift(suspension=suspension, actor=board_member)

    member.refresh_from_db()
    assert not member.is_active
    assert current_suspension(member) is None


def test_a_failing_step_leaves_the_member_as_they_were(
    member: User, board_member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairing = active_pairing(mentee=member)

    def broken(user: User) -> None:
        raise RuntimeError("a hook failed")

    # After the real hooks have paused the pairing, a later one fails: all of it is undone.
    monkeypatch.setattr(suspensions, "_on_suspend", [*suspensions._on_suspend, broken])
    with pytest.raises(RuntimeError):
        suspend(user=member, until=a_week(), actor=board_member)

    member.refresh_from_db()
    assert member.is_active
    assert current_suspension(member) is None
    assert Pairing.objects.get(pk=pairing.pk).paused_at is None


@pytest.mark.django_db(transaction=True)
class TestAtOnce:
    """Real threads on PostgreSQL, each with its own connection, released together: the board
    lifting a suspension as the beat task ends it, or two board members suspending at once."""

    @pytest.fixture(autouse=True)
    def postgres_only(self, requires_postgres: None, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("network.mail.enqueue", lambda ids: None)
        NetworkSettings.load()

    def test_two_lifts_at_once_end_it_once_and_tell_the_partner_once(self) -> None:
        board = MemberFactory()
        pairing = active_pairing()
        suspension = suspend(user=pairing.mentee, until=a_week(), actor=board)

        answers = at_once([lambda: lift(suspension=suspension, actor=board)] * 2)

        assert sorted(answers) == [False, True]
        assert AuditEvent.objects.filter(action=AuditAction.SUSPENSION_ENDED).count() == 1
        assert len(mails("mentoring/pairing_resumed")) == 1

    def test_two_suspensions_at_once_make_one_and_refuse_the_other(self) -> None:
        board, member = MemberFactory(), MemberFactory()

        answers = at_once([lambda: suspend(user=member, until=None, actor=board)] * 2)

        assert Refusal.ALREADY_SUSPENDED in answers
        assert Suspension.objects.filter(user=member).count() == 1
        assert AuditEvent.objects.filter(action=AuditAction.MEMBER_SUSPENDED).count() == 1
