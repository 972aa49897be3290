"""People who qualify can find the network by searching: the public pages may be listed, with a
description from the network settings, and nothing behind sign-in, an invitation link or the
board site may."""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from invitations import services as invitations
from members.models import User
from network.models import NetworkSettings
from tests.factories import ApplicationFactory, BoardMemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/guidelines/", "/privacy/", "/join/"]
SUMMARY = "Leaders in health and care who mentor others towards board roles, & their allies."


def says_noindex(response) -> bool:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    return "noindex" in response.get("X-Robots-Tag", "") or bool(
        re.search(r'<meta name="robots" content="[^"]*noindex', page)
    )


@pytest.fixture
def summary() -> str:
    network = NetworkSettings.load()
    network.summary = SUMMARY
    network.save()
    return SUMMARY


@pytest.mark.parametrize("path", PUBLIC)
def test_a_public_page_may_be_listed_and_describes_the_network(
    client: Client, summary: str, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert f'<meta name="description" content="{escape(summary)}">' in response.content.decode()
    assert not says_noindex(response)
    assert "X-Robots-Tag" not in response


def test_a_public_page_stays_listable_for_a_signed_in_member(
    client: Client, member: User, summary: str
) -> None:
    client.force_login(member)
    response = client.get("/privacy/")
    assert not says_noindex(response)


def test_a_members_page_is_not_listed(client: Client, member: User) -> None:
    client.force_login(member)
    for path in ["/home/", "/members/", f"/members/{member.pk}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert says_noindex(response), path
        assert response["X-Robots-Tag"] == "noindex", path
        assert 'name="description"' not in response.content.decode(), path


def test_a_page_reached_by_an_invitation_link_is_not_listed(client: Client) -> None:
    invitation = invitations.invite(
        application=ApplicationFactory(), invited_by=BoardMemberFactory()
    )
    for path in [f"/invitation/{invitation.token()}/", "/invitation/no-such-link/"]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert says_noindex(response), path
        assert response["X-Robots-Tag"] == "noindex", path


def test_the_board_site_and_sign_in_pages_are_not_listed(client: Client) -> None:
    assert says_noindex(client.get("/accounts/login/"))
    assert client.get("/board/")["X-Robots-Tag"] == "noindex"
    sign_in_with_mfa(client, BoardMemberFactory())
    response = client.get("/board/")
    assert response.status_code == 200
    assert says_noindex(response)
    assert response["X-Robots-Tag"] == "noindex"


def test_a_missing_page_and_accepting_the_guidelines_are_not_listed(client: Client) -> None:
    assert says_noindex(client.get("/no-such-page/"))
    assert says_noindex(client.get("/guidelines/accept/"))


def robots_allow(rules: list[tuple[str, str]], path: str) -> bool:
    """RFC 9309: the longest matching rule decides, "$" ends a rule, Allow wins a tie."""

    def matches(rule: str) -> bool:
        pattern = re.escape(rule.rstrip("$")).replace(r"\*", ".*")
        return bool(re.match(pattern + ("$" if rule.endswith("$") else ""), path))

    found = [(len(rule), kind == "allow") for kind, rule in rules if matches(rule)]
    return max(found, default=(0, True))[1]


def test_robots_txt_lets_search_engines_list_the_public_pages_only(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    rules = [
        (kind.strip().lower(), rule.strip())
        for kind, rule in (line.split(":", 1) for line in lines[1:] if line)
    ]
    for path in PUBLIC:
        assert robots_allow(rules, path), path
    for path in [
        "/board/",
        "/board/invitations/application/",
        "/members/",
        "/members/12/",
        "/home/",
        "/invitation/some-token/",
        "/accounts/login/",
        "/my-data/",
        "/join/more/some-token/",
        "/guidelines/accept/",
        "/events/",
        "/mentoring/",
        "/?page=2",
    ]:
        assert not robots_allow(rules, path), path
