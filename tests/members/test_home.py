"""A member's own pages: the home page, and the forms they keep their profile with."""

import pytest
from django.test import Client

from members.models import Profile, User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


class TestProfileForms:
    def test_lists_start_on_select_an_option(self, client: Client, member: User) -> None:
        client.force_login(member)
        page = client.get("/profile/edit/").content.decode()
        assert page.count('<option value="" selected>Select an option</option>') == 4
        assert "---------" not in page


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser(email="operator@example.org", password=PASSWORD)


NO_PROFILE = "This account has no member profile"
OWN_PAGES = [
    "/profile/edit/",
    "/profile/photo/",
    "/profile/milestones/",
    "/profile/self-description/",
]


class TestAnAccountWithoutAProfile:
    def test_the_home_page_says_there_is_no_profile_and_creates_none(
        self, client: Client, operator: User
    ) -> None:
        client.force_login(operator)
        response = client.get("/home/")
        assert response.status_code == 200
        page = response.content.decode()
        assert NO_PROFILE in page
        assert "operator account" in page
        assert not Profile.objects.exists()

    @pytest.mark.parametrize("url", OWN_PAGES)
    def test_profile_pages_say_there_is_no_profile_and_create_none(
        self, client: Client, operator: User, url: str
    ) -> None:
        client.force_login(operator)
        response = client.get(url)
        assert response.status_code == 404
        assert NO_PROFILE in response.content.decode()
        assert not Profile.objects.exists()

    @pytest.mark.parametrize(
        ("url", "form"),
        [
            ("/profile/edit/", {"display_name": "Operator"}),
            ("/profile/photo/remove/", {}),
            ("/profile/milestones/", {"achieved_on": "31/03/2025", "description": "Deployed"}),
            ("/profile/self-description/withdraw/", {}),
        ],
    )
    def test_posting_to_profile_pages_creates_no_profile(
        self, client: Client, operator: User, url: str, form: dict[str, str]
    ) -> None:
        client.force_login(operator)
        response = client.post(url, form)
        assert response.status_code in {302, 404}
        assert not Profile.objects.exists()

    def test_the_operator_stays_out_of_the_directory(
        self, client: Client, operator: User, member: User
    ) -> None:
        client.force_login(operator)
        client.get("/home/")
        client.force_login(member)
        page = client.get("/members/").content.decode()
        assert "1 member found" in page or "1 members found" in page
        assert "operator" not in page.lower()


class TestAMembersHomePage:
    def test_a_member_sees_how_complete_their_profile_is(
        self, client: Client, member: User
    ) -> None:
        client.force_login(member)
        page = client.get("/home/").content.decode()
        assert "Welcome, Amara" in page
        assert "% complete" in page
        assert NO_PROFILE not in page
