"""Searching discussions in the browser: a member is told what is missing, finds a topic by a
word from a reply, and opens it; every page passes axe."""

import pytest

from discussions import services
from members.models import User
from tests.discussions.support import a_space
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.browser


def test_a_member_searches_and_opens_a_topic(page) -> None:  # type: ignore[no-untyped-def]
    space = a_space("Board readiness", description="Interviews and board papers.")
    writer: User = MemberFactory(name="Siobhan Kelly")
    topic = services.start_topic(
        author=writer, space=space, title="Preparing for a board interview", body="Any tips?"
    )
    services.reply(author=writer, topic=topic, body="Read the **annual report** twice.")
    member: User = MemberFactory(name="Mei Chen")
    sign_in(page, member.email)
    page.goto("/discussions/")
    page.get_by_role("link", name="Search discussions").click()
    assert_accessible(page)
    page.get_by_role("button", name="Search").click()
    assert page.get_by_role("alert").inner_text().startswith("There is a problem")
    assert_accessible(page)
    page.get_by_label("Search discussions").fill('annual "report')
    page.get_by_role("button", name="Search").click()
    main = page.locator("main").inner_text()
    assert "Preparing for a board interview" in main and "Read the annual report twice." in main
    assert_accessible(page)
    page.get_by_role("link", name="Preparing for a board interview").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Preparing for a board interview"
