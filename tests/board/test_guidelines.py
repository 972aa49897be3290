"""Versioned guidelines: the board drafts and publishes, and every member accepts the new version
before using the network again."""

from urllib.parse import urlencode

import pytest
from django.http import HttpResponse
from django.test import Client

from board import guidelines
from board.middleware import OPEN_PATHS
from board.models import GuidelinesVersion
from members.models import GuidelinesAcceptance, User
from network.errors import Refused
from network.models import AuditAction, AuditEvent, NetworkSettings
from tests.factories import MemberFactory, sign_in_with_mfa
from tests.site.sitemap import Role, build_demo, params_for, site_routes, visit

pytestmark = pytest.mark.django_db


def draft(
    label: str = "2027-01", body: str = "## Respect\n\nBe kind.", **fields: str
) -> GuidelinesVersion:
    return GuidelinesVersion(
        version=label, body=body, change_summary=fields.get("summary", "Kinder words.")
    )


def publish_new(board: User, label: str = "2027-01", **fields: str) -> GuidelinesVersion:
    saved = guidelines.save_draft(draft=draft(label, **fields), actor=board)
    return guidelines.publish(version=saved, actor=board)


def first_version() -> GuidelinesVersion:
    found = guidelines.current()
    assert found is not None
    return found


def add_on_board_site(client: Client, label: str, body: str = "x") -> HttpResponse:
    return client.post(
        "/board/board/guidelinesversion/add/",
        {
            "version": label,
            "title": "Guidelines and code of conduct",
            "body": body,
            "change_summary": "Kinder words.",
        },
    )


def accept_page(path: str) -> str:
    return f"/guidelines/accept/?{urlencode({'next': path})}"


def test_the_first_published_version_holds_the_guidelines_the_site_showed_before() -> None:
    first = first_version()

    assert first.version == NetworkSettings.load().guidelines_version == "2026-11"
    assert "## Respect and confidentiality" in first.body
    assert first.is_published


def test_publishing_a_new_version_sends_a_member_who_has_not_accepted_to_accept_it_from_every_page(
    client: Client,
) -> None:
    demo = build_demo()
    publish_new(demo.board)
    client.force_login(demo.member)

    checked = 0
    for route in site_routes():
        path = route.path(params_for(route, Role.MEMBER, demo))
        response, _ = visit(client, path)
        if path.startswith(OPEN_PATHS):
            assert not response.get("Location", "").startswith("/guidelines/accept/"), path
        else:
            assert response.status_code == 302, f"{path}: {response.status_code}"
            assert response["Location"] == accept_page(path), path
            checked += 1
    assert checked > 40

    for own in ("/account/", "/my-data/", "/my-data/emails/", "/accounts/email/", "/privacy/"):
        assert client.get(own).status_code == 200, own
    assert client.get("/my-data/download/").status_code == 200


def test_a_member_accepts_and_goes_back_to_the_page_they_wanted(
    client: Client, member: User, board_member: User
) -> None:
    publish_new(board_member, summary="Mentors meet at least monthly.")
    client.force_login(member)

    response = client.get("/events/")
    assert response["Location"] == accept_page("/events/")
    page = client.get(response["Location"]).content.decode()
    assert "Mentors meet at least monthly." in page
    assert "I have read and accept the guidelines" in page
    assert 'href="/guidelines/"' in page

    response = client.post(accept_page("/events/"), {"version": "2027-01", "agree": "on"})

    assert response.status_code == 302 and response["Location"] == "/events/"
    assert client.get("/events/").status_code == 200
    acceptance = GuidelinesAcceptance.objects.filter(user=member).first()
    assert acceptance is not None
    assert acceptance.guidelines_version == "2027-01"
    assert acceptance.privacy_version == NetworkSettings.load().privacy_version
    audit = AuditEvent.objects.get(action=AuditAction.GUIDELINES_ACCEPTED)
    assert audit.actor == member and audit.data["version"] == "2027-01"


def test_accepting_without_ticking_the_box_says_so_and_records_nothing(
    client: Client, member: User, board_member: User
) -> None:
    publish_new(board_member)
    client.force_login(member)

    response = client.post("/guidelines/accept/", {"version": "2027-01"})

    assert response.status_code == 200
    assert "Tick the box to accept the guidelines." in response.content.decode()
    assert not GuidelinesAcceptance.objects.filter(user=member, guidelines_version="2027-01")
    assert client.get("/home/").status_code == 302


def test_after_accepting_a_member_is_sent_only_to_pages_on_this_site(
    client: Client, member: User, board_member: User
) -> None:
    publish_new(board_member)
    client.force_login(member)

    response = client.post(
        "/guidelines/accept/?next=https://evil.example/", {"version": "2027-01", "agree": "on"}
    )

    assert response["Location"] == "/home/"


def test_accepting_a_version_that_is_no_longer_current_is_refused_and_changes_nothing(
    client: Client, member: User, board_member: User
) -> None:
    publish_new(board_member, "2027-01")
    publish_new(board_member, "2027-02", summary="Even kinder words.")
    client.force_login(member)

    response = client.post(
        "/guidelines/accept/", {"version": "2027-01", "agree": "on"}, follow=True
    )

    page = response.content.decode()
    assert "These are not the current guidelines" in page
    assert "Even kinder words." in page
    assert not GuidelinesAcceptance.objects.filter(user=member, guidelines_version="2027-01")
    with pytest.raises(Refused):
        guidelines.accept(user=member, version_label="no-such-version")


def test_accepting_twice_records_it_once(member: User, board_member: User) -> None:
    publish_new(board_member)

    first = guidelines.accept(user=member, version_label="2027-01")
    again = guidelines.accept(user=member, version_label="2027-01")

    assert first == again
    assert (
        GuidelinesAcceptance.objects.filter(user=member, guidelines_version="2027-01").count() == 1
    )
    assert AuditEvent.objects.filter(action=AuditAction.GUIDELINES_ACCEPTED).count() == 1


def test_board_members_accept_too_but_keep_the_board_site(
    client: Client, board_member: User
) -> None:
    publish_new(board_member)
    sign_in_with_mfa(client, board_member)

    assert client.get("/home/")["Location"] == accept_page("/home/")
    assert client.get("/board/").status_code == 200


def test_publishing_sets_the_version_new_members_accept_and_is_audited(
    board_member: User,
) -> None:
    before = first_version()
    published = publish_new(board_member)

    assert guidelines.current() == published
    assert published.published_by == board_member and published.published_at is not None
    assert NetworkSettings.load().guidelines_version == "2027-01"
    audit = AuditEvent.objects.get(action=AuditAction.GUIDELINES_PUBLISHED)
    assert audit.actor == board_member and audit.data == {"version": "2027-01"}
    assert (
        AuditEvent.objects.get(action=AuditAction.GUIDELINES_DRAFTED).data["version"] == "2027-01"
    )
    # Someone joining from now on accepts the new version, and goes straight in.
    newcomer = MemberFactory()
    assert GuidelinesAcceptance.objects.get(user=newcomer).guidelines_version == "2027-01"
    assert before.version != published.version


def test_a_published_version_is_never_changed_nor_published_again(board_member: User) -> None:
    published = publish_new(board_member)
    published_at = published.published_at

    published.body = "Something else"
    with pytest.raises(Refused, match="can no longer change"):
        guidelines.save_draft(draft=published, actor=board_member)
    with pytest.raises(Refused):
        guidelines.publish(version=published, actor=board_member)

    published.refresh_from_db()
    assert published.body == "## Respect\n\nBe kind." and published.published_at == published_at
    assert AuditEvent.objects.filter(action=AuditAction.GUIDELINES_PUBLISHED).count() == 1


def test_a_draft_changes_nothing_for_members(
    client: Client, member: User, board_member: User
) -> None:
    guidelines.save_draft(draft=draft(), actor=board_member)
    client.force_login(member)

    assert client.get("/home/").status_code == 200
    assert client.get("/guidelines/2027-01/").status_code == 404
    assert "2027-01" not in client.get("/guidelines/").content.decode()


def test_older_versions_stay_readable_by_anyone(client: Client, board_member: User) -> None:
    first = first_version()
    publish_new(board_member, body="## Respect\n\nThe new words.")

    current_page = client.get("/guidelines/").content.decode()
    old_page = client.get(f"/guidelines/{first.version}/").content.decode()

    assert "The new words." in current_page and "Version 2027-01, published on" in current_page
    assert f'href="/guidelines/{first.version}/"' in current_page
    assert "Respect and confidentiality" in old_page
    assert "It has been replaced" in old_page and "The new words." not in old_page
    landing = client.get("/").content.decode()
    assert "guidelines and code of conduct (version 2027-01)" in landing


def test_guidelines_show_hostile_markdown_as_text(client: Client, board_member: User) -> None:
    publish_new(
        board_member,
        body="<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n"
        "<img src=x onerror=alert(1)>",
    )

    page = client.get("/guidelines/").content.decode()

    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page and "<img src=x" not in page


def test_a_members_page_costs_no_query_for_the_guidelines_once_checked(
    client: Client, member: User, django_assert_num_queries
) -> None:
    client.force_login(member)
    session = client.session
    # Signing in checked the acceptance; every page loads the session and the cached version.
    assert session[guidelines.SESSION_KEY] == first_version().version

    with django_assert_num_queries(0):
        assert not guidelines.needs_acceptance(member, session)


def test_the_board_drafts_previews_and_publishes_on_the_board_site(
    client: Client, member: User, board_member: User
) -> None:
    sign_in_with_mfa(client, board_member)

    response = add_on_board_site(client, "2027-01", body="## Respect\n\n<script>x</script> *kind*")
    assert response.status_code == 302
    saved = GuidelinesVersion.objects.get(version="2027-01")
    assert not saved.is_published
    assert AuditEvent.objects.get(action=AuditAction.GUIDELINES_DRAFTED).actor == board_member
    change_page = client.get(f"/board/board/guidelinesversion/{saved.pk}/change/").content.decode()
    assert "<em>kind</em>" in change_page and "&lt;script&gt;x&lt;/script&gt;" in change_page

    confirm = client.get(f"/board/board/guidelinesversion/{saved.pk}/publish/").content.decode()
    assert "every member will be asked to read and accept it" in confirm
    response = client.post(f"/board/board/guidelinesversion/{saved.pk}/publish/")
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.is_published and guidelines.current() == saved

    response = client.post(
        f"/board/board/guidelinesversion/{saved.pk}/change/",
        {"version": "2027-01", "title": "Changed", "body": "x", "change_summary": "y"},
    )
    assert response.status_code == 403
    saved.refresh_from_db()
    assert saved.title == "Guidelines and code of conduct"
    other = Client()
    other.force_login(member)
    assert other.get("/home/")["Location"] == accept_page("/home/")


@pytest.mark.parametrize("label", ["accept", "2027/01", "a b", "../x"])
def test_a_version_label_must_fit_in_an_address(
    client: Client, board_member: User, label: str
) -> None:
    sign_in_with_mfa(client, board_member)

    response = add_on_board_site(client, label)

    assert response.status_code == 200
    assert "Use letters, digits, dots and hyphens only" in response.content.decode()
    assert not GuidelinesVersion.objects.filter(version=label).exists()


def test_with_nothing_published_nobody_is_held_up(client: Client, member: User) -> None:
    GuidelinesVersion.objects.all().delete()
    client.force_login(member)

    assert client.get("/home/").status_code == 200
    assert "has not published the guidelines yet" in client.get("/guidelines/").content.decode()


def test_an_account_without_a_member_profile_has_nothing_to_accept(
    client: Client, board_member: User
) -> None:
    publish_new(board_member)
    operator = User.objects.create_superuser(email="operator@example.org", password="x" * 20)
    client.force_login(operator)

    assert client.get("/home/").status_code == 200
