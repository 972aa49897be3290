"""The pages of conduct reports: raising a concern, the concerns you raised, the appeal link, and
the board's decision pages."""

import pytest
from django.test import Client

from board import reports
from board.models import Appeal, Report, Resolution
from members.models import User
from tests.board.support import DETAILS, a_report, messages_to
from tests.events.support import published_event
from tests.factories import MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported() -> User:
    return MemberFactory(name="Siobhan Kelly")


def concern(**overrides: str) -> dict[str, str]:
    return {"reason": "confidentiality", "details": DETAILS, "evidence_link": "", **overrides}


def test_a_member_reports_another_from_their_profile(
    client: Client, member: User, reported: User
) -> None:
    client.force_login(member)
    profile = client.get(f"/members/{reported.pk}/").content.decode()
    assert f'href="/reports/member/{reported.pk}/"' in profile
    assert "Report a concern about Siobhan Kelly" in profile

    page = client.get(f"/reports/member/{reported.pk}/").content.decode()
    assert "Report a concern" in page and "never told who raised it" in page

    response = client.post(f"/reports/member/{reported.pk}/", concern())

    assert response.status_code == 302 and response["Location"] == "/reports/received/"
    report = Report.objects.get()
    assert (report.reporter, report.member, report.reason) == (member, reported, "confidentiality")
    assert "Your concern has been sent" in client.get("/reports/received/").content.decode()


def test_ones_own_profile_offers_no_report_and_a_forged_one_is_refused(
    client: Client, member: User
) -> None:
    client.force_login(member)
    assert "Report a concern" not in client.get(f"/members/{member.pk}/").content.decode()

    page = client.post(f"/reports/member/{member.pk}/", concern()).content.decode()

    assert "You cannot report yourself." in page
    assert not Report.objects.exists()


def test_a_concern_without_a_reason_or_details_shows_what_to_fix(
    client: Client, member: User, reported: User
) -> None:
    client.force_login(member)

    page = client.post(
        f"/reports/member/{reported.pk}/", concern(reason="", details="", evidence_link="nope")
    ).content.decode()

    assert "There is a problem" in page
    assert "Choose what your concern is" in page
    assert "Tell us what happened" in page
    assert "Enter a web address" in page
    assert not Report.objects.exists()


def test_a_member_reports_an_event_from_its_page(client: Client, member: User) -> None:
    event = published_event(title="Chairing a board well")
    client.force_login(member)
    assert (
        f'href="/reports/event/{event.pk}/"' in client.get(f"/events/{event.pk}/").content.decode()
    )

    client.post(f"/reports/event/{event.pk}/", concern(reason="inappropriate"))

    report = Report.objects.get()
    assert (report.subject, report.target_id, report.member) == ("event", event.pk, None)


def test_a_draft_event_cannot_be_reported(client: Client, member: User) -> None:
    event = published_event(status="draft")
    client.force_login(member)
    assert client.post(f"/reports/event/{event.pk}/", concern()).status_code == 404
    assert not Report.objects.exists()


def test_members_see_only_the_concerns_they_raised_in_general_words(
    client: Client, member: User, reported: User, board_member: User
) -> None:
    mine = a_report(member, reported)
    reports.resolve(report=mine, board_member=board_member, outcome="warning", reason="Private.")
    someone_else = MemberFactory(name="Dev Sharma")
    a_report(someone_else, MemberFactory(name="Jess Warner"), details="Another member's words.")
    client.force_login(member)

    page = client.get("/reports/").content.decode()

    assert "Siobhan Kelly" in page
    assert "took the action it thought right" in page
    assert "Private." not in page and "A warning" not in page
    assert "Jess Warner" not in page and "Another member's words." not in page


def test_the_member_reported_never_learns_who_reported_them(
    client: Client, member: User, reported: User, board_member: User
) -> None:
    a_report(member, reported)
    client.force_login(reported)

    for path in ("/reports/", "/home/", f"/members/{reported.pk}/"):
        page = client.get(path).content.decode()
        assert member.name not in page and DETAILS not in page


@pytest.fixture
def warned(member: User, reported: User, board_member: User) -> Resolution:
    return reports.resolve(
        report=a_report(member, reported),
        board_member=board_member,
        outcome="warning",
        reason="You shared a private story.",
    )


def test_the_appeal_link_works_signed_out_and_takes_one_appeal(
    client: Client, warned: Resolution, reported: User
) -> None:
    link = f"/reports/appeal/{reports.appeal_token(warned)}/"
    assert link in messages_to(reported.email, "board/warning")[0]

    page = client.get(link).content.decode()
    assert "You shared a private story." in page
    assert "Amara" not in page and DETAILS not in page
    empty = client.post(link, {"text": ""}).content.decode()
    assert "Tell us why the decision should change" in empty

    response = client.post(link, {"text": "I had her permission."})

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.text, appeal.resolution) == ("I had her permission.", warned)
    after = client.get(link).content.decode()
    assert "You appealed on" in after and "Send your appeal" not in after
    client.post(link, {"text": "Again."})
    assert Appeal.objects.get().text == "I had her permission."


def test_a_forged_appeal_link_is_refused(client: Client) -> None:
    response = client.get("/reports/appeal/forged-link-0000/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_the_board_decides_a_report_on_its_site(
    client: Client, member: User, reported: User, board_member: User
) -> None:
    report = a_report(member, reported)
    sign_in_with_mfa(client, board_member)
    page = client.get(f"/board/board/report/{report.pk}/change/").content.decode()
    assert DETAILS in page and "Decide on this report" in page

    past = client.post(
        f"/board/board/report/{report.pk}/decide/",
        {"outcome": "suspension", "reason": "Repeated.", "until": "2001-01-01"},
    ).content.decode()
    assert "must end after now" in past
    client.post(
        f"/board/board/report/{report.pk}/decide/", {"outcome": "warning", "reason": "Once."}
    )

    assert Resolution.objects.get(report=report).outcome == "warning"
    assert (
        "Decide on this report"
        not in client.get(f"/board/board/report/{report.pk}/change/").content.decode()
    )


def test_a_member_cannot_read_reports_on_the_board_site(
    client: Client, member: User, reported: User
) -> None:
    report = a_report(member, reported)
    client.force_login(member)
    response = client.get(f"/board/board/report/{report.pk}/change/")
    assert response.status_code == 302 and response["Location"].startswith("/board/login/")
