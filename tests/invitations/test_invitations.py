import re
import threading
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from invitations import services
from invitations.models import Application, Decision, Invitation, token_digest
from members.models import GuidelinesAcceptance, Profile, User
from network.models import AuditEvent, NetworkSettings
from tests.factories import ApplicationFactory, BoardMemberFactory
from tests.invitations.support import INTEREST, invited, link_in, snapshot

pytestmark = pytest.mark.django_db


class TestInterest:
    def test_an_expression_of_interest_is_stored_and_acknowledged(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/join/", INTEREST)
        assert "We have your expression of interest" in response.content.decode()
        application = Application.objects.get()
        assert application.job_title == "Deputy Chief Nurse"
        assert application.status == Application.Status.PENDING
        assert django_mail.outbox[0].to == ["grace@example.org"]

    def test_bad_input_gets_clear_messages_and_stores_nothing(self, client: Client) -> None:
        response = client.post("/join/", {**INTEREST, "email": "not-an-address", "name": ""})
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Enter a valid email address" in page
        assert not Application.objects.exists()

    def test_the_honeypot_stores_nothing(self, client: Client) -> None:
        response = client.post("/join/", {**INTEREST, "website": "http://spam.example"})
        assert response.status_code == 200
        assert not Application.objects.exists()

    def test_a_burst_from_one_place_is_rate_limited(self, client: Client) -> None:
        statuses = [
            client.post("/join/", {**INTEREST, "email": f"person{i}@example.org"}).status_code
            for i in range(10)
        ]
        assert statuses.count(429) == 10 - services.INTEREST_LIMIT
        assert Application.objects.count() == services.INTEREST_LIMIT
        refused = client.post("/join/", INTEREST)
        assert "Too many attempts" in refused.content.decode()


class TestVetting:
    def test_approval_creates_an_invitation_and_mails_the_link(
        self, django_capture_on_commit_callbacks
    ) -> None:
        invitation, token = invited(django_capture_on_commit_callbacks)
        assert invitation.application.status == Application.Status.APPROVED
        assert invitation.token_digest == token_digest(token)
        assert "lasts until" in django_mail.outbox[-1].body
        assert AuditEvent.objects.filter(action="application.approve").exists()

    def test_a_conflicted_board_member_cannot_decide(self) -> None:
        application = ApplicationFactory()
        board = BoardMemberFactory()
        services.declare_conflict(application=application, board_member=board, reason="My mentee")
        before = snapshot()
        with pytest.raises(services.Refused, match="conflict of interest"):
            services.decide(application_id=application.pk, board_member=board, verdict="approve")
        assert snapshot() == before

    def test_two_approvals_are_needed_when_the_network_asks(
        self, django_capture_on_commit_callbacks
    ) -> None:
        network = NetworkSettings.load()
        network.approvals_required = 2
        network.save()
        application = ApplicationFactory()
        first = BoardMemberFactory()
        services.decide(application_id=application.pk, board_member=first, verdict="approve")
        application.refresh_from_db()
        assert application.status == Application.Status.PENDING
        assert not Invitation.objects.exists()
        with pytest.raises(services.Refused, match="already approved"):
            services.decide(application_id=application.pk, board_member=first, verdict="approve")
        with django_capture_on_commit_callbacks(execute=True):
            services.decide(
                application_id=application.pk, board_member=BoardMemberFactory(), verdict="approve"
            )
        assert Invitation.objects.filter(email=application.email).exists()

    def test_rejection_needs_a_reason_and_is_kept(self) -> None:
        application = ApplicationFactory()
        board = BoardMemberFactory()
        before = snapshot()
        with pytest.raises(services.Refused, match="Give a reason"):
            services.decide(application_id=application.pk, board_member=board, verdict="reject")
        assert snapshot() == before
        services.decide(
            application_id=application.pk, board_member=board, verdict="reject", reason="No record"
        )
        application.refresh_from_db()
        assert application.status == Application.Status.REJECTED
        assert Decision.objects.get().reason == "No record"
        with pytest.raises(services.Refused):
            services.decide(application_id=application.pk, board_member=board, verdict="approve")

    def test_the_more_information_loop(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        application = ApplicationFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.decide(
                application_id=application.pk,
                board_member=BoardMemberFactory(),
                verdict="more_info",
                reason="Who are you mentoring now?",
            )
        message = django_mail.outbox[-1]
        assert "Who are you mentoring now?" in message.body
        path = re.search(r"https?://[^/]+(/join/more/\S+/)", message.body).group(1)  # type: ignore[union-attr]
        page = client.get(path)
        assert "Who are you mentoring now?" in page.content.decode()
        client.post(path, {"text": "Two ward sisters since May."})
        application.refresh_from_db()
        assert application.status == Application.Status.PENDING
        assert application.more_info_response == "Two ward sisters since May."
        again = client.post(path, {"text": "More"})
        assert again.status_code == 400

    def test_the_audit_log_cannot_be_changed(self) -> None:
        application = ApplicationFactory()
        services.declare_conflict(
            application=application, board_member=BoardMemberFactory(), reason="x"
        )
        event = AuditEvent.objects.get()
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()
        with pytest.raises(TypeError):
            AuditEvent.objects.update(reason="changed")


class TestInvitationLinks:
    def test_the_database_never_holds_the_raw_token(
        self, django_capture_on_commit_callbacks
    ) -> None:
        _, token = invited(django_capture_on_commit_callbacks)
        assert len(token) == 64  # 256 bits
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
                for row in cursor.fetchall():
                    assert not any(token in str(value) for value in row), table

    def test_opening_the_link_changes_nothing(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        _, token = invited(django_capture_on_commit_callbacks)
        before = snapshot()
        page = client.get(f"/invitation/{token}/")
        assert "Create your account" in page.content.decode()
        assert snapshot() == before

    def test_accepting_creates_the_account_records_consent_and_prefills_the_profile(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        invitation, token = invited(django_capture_on_commit_callbacks)
        response = client.post(
            f"/invitation/{token}/",
            {
                "password1": "a-long-test-password-123",
                "password2": "a-long-test-password-123",
                "agree": "on",
            },
        )
        assert response["Location"] == "/profile/edit/"
        user = User.objects.get(email="grace@example.org")
        assert user.emailaddress_set.get().verified  # type: ignore[attr-defined]
        assert Profile.objects.get(user=user).job_title == "Deputy Chief Nurse"
        acceptance = GuidelinesAcceptance.objects.get(user=user)
        assert acceptance.guidelines_version == NetworkSettings.load().guidelines_version
        invitation.refresh_from_db()
        assert invitation.status == Invitation.Status.ACCEPTED
        assert "Deputy Chief Nurse" in client.get("/profile/edit/").content.decode()

        used = client.get(f"/invitation/{token}/")
        assert used.status_code == 410
        assert "already been used" in used.content.decode()

    def test_acceptance_without_agreeing_is_refused_and_changes_nothing(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        _, token = invited(django_capture_on_commit_callbacks)
        before = snapshot()
        response = client.post(
            f"/invitation/{token}/",
            {"password1": "a-long-test-password-123", "password2": "different-password-456"},
        )
        page = response.content.decode()
        assert "Tick the box to accept" in page
        assert "The two passwords are different" in page
        assert snapshot() == before

    @pytest.mark.parametrize("state", ["expired", "revoked"])
    def test_expired_and_revoked_links_say_which_and_change_nothing(
        self, client: Client, django_capture_on_commit_callbacks, state: str
    ) -> None:
        invitation, token = invited(django_capture_on_commit_callbacks)
        if state == "expired":
            Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
        else:
            services.revoke(invitation_id=invitation.pk, by=BoardMemberFactory())
        before = snapshot()
        response = client.post(
            f"/invitation/{token}/",
            {
                "password1": "a-long-test-password-123",
                "password2": "a-long-test-password-123",
                "agree": "on",
            },
        )
        assert response.status_code == 410
        assert (
            f"This invitation has {'expired' if state == 'expired' else 'been withdrawn'}"
            in response.content.decode()
        )
        assert snapshot() == before

    def test_an_unknown_link_is_refused(self, client: Client) -> None:
        response = client.get("/invitation/" + "0" * 64 + "/")
        assert response.status_code == 404
        assert "We do not recognise this invitation link" in response.content.decode()

    def test_resend_gives_a_new_link_and_the_old_one_stops_working(
        self, client: Client, django_capture_on_commit_callbacks
    ) -> None:
        invitation, old = invited(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            services.resend(invitation_id=invitation.pk, by=BoardMemberFactory())
        new = link_in(django_mail.outbox[-1].body)
        assert new != old
        assert client.get(f"/invitation/{old}/").status_code == 404
        assert client.get(f"/invitation/{new}/").status_code == 200

    def test_a_second_live_invitation_to_one_address_is_refused(
        self, django_capture_on_commit_callbacks
    ) -> None:
        invited(django_capture_on_commit_callbacks)
        board = BoardMemberFactory()
        before = snapshot()
        with pytest.raises(services.Refused, match="already has an invitation"):
            services.invite_directly(data={**INTEREST, "current_mentees": 2}, invited_by=board)
        assert snapshot() == before

    def test_one_reminder_before_expiry(self, django_capture_on_commit_callbacks) -> None:
        invitation, _ = invited(django_capture_on_commit_callbacks)
        soon = invitation.expires_at - timedelta(days=2)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_reminders(now=soon) == 1
            assert services.send_reminders(now=soon) == 0
        assert "ends on" in django_mail.outbox[-1].subject
        assert services.expire_invitations(now=invitation.expires_at) == 1


class TestMembersHelp:
    def test_a_member_nominates_a_colleague_who_is_told_and_can_withdraw(
        self, client: Client, member: User, django_capture_on_commit_callbacks
    ) -> None:
        client.force_login(member)
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/nominate/", INTEREST)
        application = Application.objects.get()
        assert application.nominated_by == member
        message = django_mail.outbox[-1]
        assert message.to == ["grace@example.org"]
        path = re.search(r"https?://[^/]+(/join/withdraw/\S+/)", message.body).group(1)  # type: ignore[union-attr]
        other = Client()
        assert other.get(path).status_code == 200
        assert Application.objects.get().status == Application.Status.PENDING
        other.post(path)
        assert Application.objects.get().status == Application.Status.WITHDRAWN

    def test_a_member_endorses_once(self, client: Client, member: User) -> None:
        application = ApplicationFactory()
        services.open_for_endorsement(application_id=application.pk, by=BoardMemberFactory())
        client.force_login(member)
        client.post(f"/applications/{application.pk}/endorse/", {"text": "A generous mentor."})
        again = client.post(f"/applications/{application.pk}/endorse/", {"text": "Again"})
        assert "already endorsed" in again.content.decode()
        assert application.endorsements.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_create_one_account(requires_postgres) -> None:
    application = ApplicationFactory(email="grace@example.org", status="approved")
    invitation = Invitation(application=application, email=application.email)
    invitation.new_link(days=14)
    invitation.save()
    token = invitation.token()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        client = Client()
        start.wait()
        response = client.post(
            f"/invitation/{token}/",
            {
                "password1": "a-long-test-password-123",
                "password2": "a-long-test-password-123",
                "agree": "on",
            },
        )
        outcomes.append(str(response.status_code))
        connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["302", "410"]
    assert User.objects.filter(email="grace@example.org").count() == 1
