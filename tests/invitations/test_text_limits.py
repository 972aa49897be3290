"""Every free text an applicant or the board writes has a sensible limit, in the model and form."""

import pytest
from django.test import Client

from tests.invitations.support import INTEREST, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "limit"), [("career_aspiration", 1000), ("mentoring_evidence", 5000)]
)
def test_an_overlong_answer_gets_a_clear_message_and_stores_nothing(
    client: Client, field: str, limit: int
) -> None:
    before = snapshot()
    response = client.post("/join/", {**INTEREST, field: "word " * (limit // 5 + 1)})
    assert response.status_code == 200
    assert f"{limit:,} characters or fewer" in response.content.decode()
    assert snapshot() == before
