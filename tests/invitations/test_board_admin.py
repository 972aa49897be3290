import pytest
from django.core import mail as django_mail
from django.test import Client

from invitations import services
from invitations.models import Application, Invitation
from members.models import MentoringStatus, User
from tests.factories import ApplicationFactory, BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def board_client(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


def test_the_queue_lists_waiting_applications_first(board_client: Client) -> None:
    ApplicationFactory(name="Decided Person", status="rejected")
    ApplicationFactory(name="Waiting Person")
    page = board_client.get("/board/invitations/application/").content.decode()
    assert page.index("Waiting Person") < page.index("Decided Person")


def test_the_reputation_summary_shows_endorsers_and_their_mentoring(
    board_client: Client,
) -> None:
    application = ApplicationFactory()
    endorser = MemberFactory(name="Siobhan Kelly")
    profile = endorser.profile  # type: ignore[attr-defined]
    profile.mentoring_status, profile.mentoring_capacity = MentoringStatus.ACCEPTING, 2
    profile.mentoring_topics = "board governance"
    profile.save()
    services.open_for_endorsement(application_id=application.pk, by=BoardMemberFactory())
    services.endorse(application_id=application.pk, member=endorser, text="A generous mentor.")
    page = board_client.get(f"/board/invitations/application/{application.pk}/change/")
    text = page.content.decode()
    assert "A generous mentor." in text
    assert "Can mentor up to 2 at once on board governance" in text


def test_the_decision_log_downloads_as_csv(board_client: Client, board_member: User) -> None:
    application = ApplicationFactory(name="Grace Adeyemi")
    services.decide(
        application_id=application.pk,
        board_member=board_member,
        verdict="reject",
        reason="No mentoring record yet",
    )
    response = board_client.get("/board/invitations/application/decisions.csv")
    assert response["Content-Type"] == "text/csv"
    rows = response.content.decode().splitlines()
    assert rows[0] == "date,application,applicant,board member,decision,reason"
    assert "Grace Adeyemi" in rows[1] and "No mentoring record yet" in rows[1]


def test_the_board_invites_someone_directly_and_sees_the_tree(
    board_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            "/board/invitations/application/invite/",
            {
                "name": "Kwame Mensah",
                "email": "kwame@example.org",
                "job_title": "Chief Pharmacist",
                "organisation": "NHS England",
                "profession": "pharmacy",
                "region": "london",
                "career_aspiration": "A board role",
                "mentoring_evidence": "Leads a mentoring scheme",
            },
        )
    assert response.status_code == 302
    assert Invitation.objects.get().application.source == Application.Source.DIRECT
    assert django_mail.outbox[-1].to == ["kwame@example.org"]
    tree = board_client.get("/board/invitations/application/tree/").content.decode()
    assert "Kwame Mensah" in tree


def test_members_cannot_reach_the_vetting_pages(client: Client, member: User) -> None:
    application = ApplicationFactory()
    client.force_login(member)
    assert client.get(f"/board/invitations/application/{application.pk}/decide/").status_code in {
        302,
        403,
    }
    assert client.post(
        f"/board/invitations/application/{application.pk}/decide/", {"verdict": "approve"}
    ).status_code in {302, 403}
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_revoking_from_the_admin(board_client: Client, django_capture_on_commit_callbacks) -> None:
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(
            application_id=application.pk, board_member=BoardMemberFactory(), verdict="approve"
        )
    invitation = Invitation.objects.get()
    board_client.post(
        "/board/invitations/invitation/",
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
