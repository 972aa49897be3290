"""A member's own pages: the home page, and the forms they keep their profile with."""

import pytest
from django.test import Client

from members.models import User

pytestmark = pytest.mark.django_db


class TestProfileForms:
    def test_lists_start_on_select_an_option(self, client: Client, member: User) -> None:
        client.force_login(member)
        page = client.get("/profile/edit/").content.decode()
        assert page.count('<option value="" selected>Select an option</option>') == 4
        assert "---------" not in page
