from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members.models import User
from network.models import MembershipCategory, NetworkSettings
from tests.factories import sign_in_with_mfa

pytestmark = pytest.mark.django_db


def test_landing_page_explains_the_network_from_its_settings(client: Client) -> None:
    network = NetworkSettings.load()
    network.name = "Women Leaders Network"
    network.sponsor = "NHS Employers, with HSJ"
    network.eligibility = "Women with a record of mentoring emerging leaders."
    network.contact_email = "women-leaders@example.org"
    network.save()
    MembershipCategory.objects.create(settings=network, name="Member")

    page = client.get("/").content.decode()
    assert "<h1>Women Leaders Network</h1>" in page
    assert "NHS Employers, with HSJ" in page
    assert "Women with a record of mentoring emerging leaders." in page
    assert "mailto:women-leaders@example.org" in page
    assert "<strong>Member</strong>" in page
    assert 'href="/accounts/login/"' in page


def test_settings_are_read_from_the_cache_after_the_first_page(client: Client) -> None:
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert len(queries) == 0


def test_a_change_to_the_settings_or_categories_reaches_the_next_page(client: Client) -> None:
    client.get("/")
    network = NetworkSettings.load()
    network.name = "Renamed Network"
    network.save()
    assert "<h1>Renamed Network</h1>" in client.get("/").content.decode()

    category = MembershipCategory.objects.create(settings=network, name="Ally")
    assert "<strong>Ally</strong>" in client.get("/").content.decode()
    category.delete()
    assert "<strong>Ally</strong>" not in client.get("/").content.decode()


def test_there_is_only_ever_one_settings_record() -> None:
    NetworkSettings.load()
    NetworkSettings(name="Another").save()
    assert NetworkSettings.objects.count() == 1
    assert NetworkSettings.load().name == "Another"


def test_navigation_fits_the_signed_in_role(
    client: Client, member: User, board_member: User
) -> None:
    visitor = client.get("/").content.decode()
    assert "Sign in" in visitor
    assert "Programme board" not in visitor

    client.force_login(member)
    page = client.get("/home/").content.decode()
    assert "Your account" in page
    assert "Sign out" in page
    assert 'href="/board/"' not in page

    sign_in_with_mfa(client, board_member)
    assert 'href="/board/"' in client.get("/home/").content.decode()


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/privacy/", "Privacy notice"), ("/guidelines/", "Guidelines and code of conduct")],
)
def test_footer_pages_are_written_for_the_network(client: Client, path: str, heading: str) -> None:
    network = NetworkSettings.load()
    network.name = "Women Leaders Network"
    network.save()
    page = client.get(path).content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert "Women Leaders Network" in page
    assert 'href="#maincontent"' in page


def test_unknown_page_shows_the_sites_own_not_found_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert "Skip to main content" in page


def test_server_error_page_needs_nothing_that_might_be_broken(rf) -> None:  # type: ignore[no-untyped-def]
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert 'href="#maincontent"' in page


def test_settings_cached_by_another_page_before_a_change_commits_are_dropped_at_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.cache import cache

    from network.models import SETTINGS_CACHE_KEY

    settings = NetworkSettings.load()
    with django_capture_on_commit_callbacks(execute=True):
        settings.approvals_required = 2
        settings.save()
        # Another page, reading before the commit, caches the row it could still see.
        stale = NetworkSettings.objects.get(pk=1)
        stale.approvals_required = 1
        cache.set(SETTINGS_CACHE_KEY, stale)
    assert NetworkSettings.load().approvals_required == 2
