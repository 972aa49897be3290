import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members import views
from members.directory import directory_changed
from members.models import MentoringStatus, Profile, User, Visibility
from members.suspension import suspend
from network.models import MembershipCategory, NetworkSettings
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa

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


def reads_directory(sql: str) -> bool:
    return '"members_profile"."display_name"' in sql


def card_names(client: Client, query: str = "") -> list[str]:
    return NAME.findall(listing(client, query))


def test_a_page_kept_for_members_is_read_again_without_the_directory_query(
    client: Client, members: list[str]
) -> None:
    client.force_login(User.objects.get(email="member7@example.org"))
    listing(client, "")
    client.force_login(User.objects.get(email="member6@example.org"))
    with CaptureQueriesContext(connection) as kept:
        assert card_names(client) == members[:4]
    assert not any(reads_directory(query["sql"]) for query in kept.captured_queries)


def test_a_member_switched_off_leaves_a_kept_page_at_once(
    client: Client, members: list[str]
) -> None:
    assert card_names(client) == members[:4]
    gone = User.objects.get(email="member1@example.org")
    suspend(user=gone, until=None, actor=None)
    assert "Member 01" not in card_names(client)
    gone.is_active = True
    gone.save(update_fields=["is_active"])
    assert "Member 01" in card_names(client)


def test_signing_in_keeps_the_pages(client: Client, members: list[str]) -> None:
    client.force_login(User.objects.get(email="member7@example.org"))
    listing(client, "")
    other = User.objects.get(email="member5@example.org")
    other.last_login = timezone.now()
    other.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as kept:
        listing(client, "")
    assert not any(reads_directory(query["sql"]) for query in kept.captured_queries)


def member_with(name: str, visibility: dict[str, str], **fields: str) -> User:
    member = MemberFactory(name=name)
    profile = Profile.objects.get(user=member)
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.visibility = {**profile.visibility, **visibility}
    profile.save()
    return member


@pytest.fixture
def one_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of one card, so that the viewers, named later in the alphabet, are not on the first."""
    monkeypatch.setattr(views, "DIRECTORY_PAGE_SIZE", 1)


def test_a_member_sees_their_own_card_as_theirs_on_a_page_kept_for_others(
    client: Client, one_a_page: None
) -> None:
    # Pronouns start shown to their member alone.
    owner = member_with("Ada Own", {}, pronouns="she/her")
    first, second = MemberFactory(name="Zoe One"), MemberFactory(name="Zoe Two")
    client.force_login(first)
    assert "she/her" not in listing(client, "")
    client.force_login(owner)
    assert "she/her" in listing(client, "")
    client.force_login(second)
    assert "she/her" not in listing(client, "")


def test_the_board_and_members_are_kept_apart(client: Client, one_a_page: None) -> None:
    member_with("Ada Board", {"job_title": Visibility.BOARD}, job_title="Chief Nurse")
    board, member = BoardMemberFactory(name="Zoe Board"), MemberFactory(name="Zoe Member")
    sign_in_with_mfa(client, board)
    assert "Chief Nurse" in listing(client, "")
    client.force_login(member)
    assert "Chief Nurse" not in listing(client, "")
    sign_in_with_mfa(client, board)
    assert "Chief Nurse" in listing(client, "")


def test_a_paused_mentor_leaves_the_mentors_filter_at_once(client: Client) -> None:
    mentor = member_with(
        "Ada Mentor",
        {"mentoring_offer": Visibility.MEMBERS},
        mentoring_status=MentoringStatus.ACCEPTING,
    )
    client.force_login(MemberFactory())
    assert card_names(client, "mentors=on") == ["Ada Mentor"]
    Profile.objects.filter(user=mentor).update(mentoring_status=MentoringStatus.PAUSED)
    directory_changed()  # what a change made without saving the profile must do
    assert card_names(client, "mentors=on") == []
