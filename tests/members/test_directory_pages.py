import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members import views
from members.models import Profile, User, Visibility
from network.models import MembershipCategory, NetworkSettings
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NEXT = re.compile(r'href="\?([^"]*after=\d+)" rel="next"')
PREVIOUS = re.compile(r'href="\?([^"]*before=\d+)" rel="prev"')
NAME = re.compile(r'class="nhsuk-card__link" href="/members/\d+/">([^<]+)</a>')


@pytest.fixture
def members(client: Client, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Eleven members, three sharing one name, in pages of four, as the directory orders them."""
    monkeypatch.setattr(views, "DIRECTORY_PAGE_SIZE", 4)
    for number in range(8):
        MemberFactory(name=f"Member {number:02d}", email=f"member{number}@example.org")
    for number in range(3):
        MemberFactory(name="Member 03", email=f"twin{number}@example.org")
    client.force_login(User.objects.get(email="member0@example.org"))
    return list(
        Profile.objects.order_by("display_name", "pk").values_list("display_name", flat=True)
    )


def listing(client: Client, query: str) -> str:
    response = client.get(f"/members/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_next_then_previous_walk_every_member_once_in_name_order(
    client: Client, members: list[str]
) -> None:
    seen, page, pages = [], listing(client, ""), []
    while True:
        pages.append(page)
        seen += NAME.findall(page)
        following = NEXT.search(page)
        if following is None:
            break
        page = listing(client, following.group(1).replace("&amp;", "&"))
    assert seen == members
    assert len(pages) == 3
    assert "Members found" in pages[0]
    assert PREVIOUS.search(pages[0]) is None

    back = listing(client, PREVIOUS.search(pages[-1]).group(1))  # type: ignore[union-attr]
    assert NAME.findall(back) == NAME.findall(pages[-2])


def test_links_keep_the_search_and_filters(client: Client, members: list[str]) -> None:
    page = listing(client, "q=Member")
    assert NEXT.search(page).group(1).startswith("q=Member&amp;after=")  # type: ignore[union-attr]


def test_a_page_that_holds_every_match_says_how_many(client: Client, members: list[str]) -> None:
    page = listing(client, "q=03")
    assert "4 members found" in page
    assert NEXT.search(page) is None


def test_an_old_page_number_still_opens_that_page(client: Client, members: list[str]) -> None:
    assert NAME.findall(listing(client, "page=2")) == members[4:8]
    assert NAME.findall(listing(client, "page=99")) == members[:4]


@pytest.mark.parametrize("cursor", ["after=999999", "before=abc", "after=-1", "after=" + "9" * 40])
def test_a_link_from_a_member_who_has_gone_starts_at_the_beginning(
    client: Client, members: list[str], cursor: str
) -> None:
    assert NAME.findall(listing(client, cursor)) == members[:4]


def test_a_deep_page_costs_the_queries_of_the_first(client: Client, members: list[str]) -> None:
    listing(client, "")
    last = Profile.objects.order_by("display_name", "pk")[6]
    with CaptureQueriesContext(connection) as first:
        listing(client, "")
    with CaptureQueriesContext(connection) as deep:
        listing(client, f"after={last.pk}")
    assert len(deep) == len(first) + 1  # where the link's member stands
    assert not any("OFFSET" in query["sql"] for query in deep.captured_queries)


def test_a_card_changes_as_soon_as_its_member_hides_a_detail(client: Client) -> None:
    member = MemberFactory(name="Ada Card")
    profile = Profile.objects.get(user=member)
    profile.job_title = "Chief Nurse"
    profile.save()
    client.force_login(MemberFactory())
    assert "Chief Nurse" in listing(client, "")
    profile.visibility = {**profile.visibility, "job_title": Visibility.ONLY_ME}
    profile.save()
    assert "Chief Nurse" not in listing(client, "")
    client.force_login(member)
    assert "Chief Nurse" in listing(client, "")


def test_the_form_shows_the_filters_chosen_and_a_new_category_at_once(client: Client) -> None:
    client.force_login(MemberFactory())
    plain = listing(client, "")
    assert '<option value="nursing" selected>' not in plain
    chosen = listing(client, "profession=nursing&mentors=on&q=board+finance")
    assert '<option value="nursing" selected>' in chosen
    assert re.search(r'<input [^>]*name="mentors"[^>]* checked', chosen)
    assert not re.search(r'<input [^>]*name="mentors"[^>]* checked', plain)
    assert 'value="board finance"' in chosen
    assert 'value="board finance"' not in listing(client, "profession=nursing&mentors=on")

    MembershipCategory.objects.create(settings=NetworkSettings.load(), name="Fellow")
    assert ">Fellow</option>" in listing(client, "profession=nursing&mentors=on")


def test_a_filter_that_is_not_offered_is_explained_in_the_form(client: Client) -> None:
    client.force_login(MemberFactory())
    page = listing(client, "profession=astronaut")
    assert "There is a problem" in page
    assert "Select a valid choice" in page
