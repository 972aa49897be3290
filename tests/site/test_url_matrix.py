"""Every URL on the site, opened by every kind of person, answers as the network means it to.

The URLs come from the resolver, so a new page is in this matrix the moment it has a URL; until
it has an expectation here, the matrix fails and says which one to add. Only GET: what a form
does with what is sent to it is the fuzzer's job (test_fuzz_forms.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from django.http import HttpResponseBase
from django.test import Client

from tests.site.sitemap import (
    ROLES,
    Demo,
    Role,
    SiteRoute,
    admin_model_for,
    params_for,
    site_routes,
    visit,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Answer:
    """What a page should answer: one of some statuses, and for a redirect, where it leads."""

    statuses: frozenset[int]
    to: str | None = None

    def accepts(self, response: HttpResponseBase) -> bool:
        if response.status_code not in self.statuses:
            return False
        return self.to is None or response.get("Location", "").startswith(self.to)

    def __str__(self) -> str:
        codes = " or ".join(str(code) for code in sorted(self.statuses))
        return f"{codes} to {self.to}" if self.to else codes


def answer(*statuses: int) -> Answer:
    return Answer(frozenset(statuses))


def redirect(to: str) -> Answer:
    return Answer(frozenset({302}), to)


OK = answer(200)
FORBIDDEN = answer(403)
NOT_FOUND = answer(404)
NOT_ALLOWED = answer(405)  # the URL takes POST only
SIGN_IN = redirect("/accounts/login/")
BOARD_SIGN_IN = redirect("/board/login/")
PASSWORD_AGAIN = redirect("/accounts/reauthenticate/")
HOME = redirect("/home/")

Row = Mapping[Role, Answer]


def row(
    *,
    anonymous: Answer,
    applicant: Answer | None = None,
    member: Answer,
    board_without_mfa: Answer | None = None,
    board_mfa_not_passed: Answer | None = None,
    board_with_mfa: Answer | None = None,
    operator: Answer | None = None,
) -> Row:
    """One URL's answers. Unless said otherwise the applicant answers like a passer-by, board
    members like members (and a session that passed only the password like one without MFA),
    and the operator like a board member with MFA."""
    board_without_mfa = board_without_mfa or member
    board_mfa_not_passed = board_mfa_not_passed or board_without_mfa
    board_with_mfa = board_with_mfa or board_without_mfa
    return {
        Role.ANONYMOUS: anonymous,
        Role.APPLICANT: applicant or anonymous,
        Role.MEMBER: member,
        Role.BOARD_WITHOUT_MFA: board_without_mfa,
        Role.BOARD_MFA_NOT_PASSED: board_mfa_not_passed,
        Role.BOARD_WITH_MFA: board_with_mfa,
        Role.OPERATOR: operator or board_with_mfa,
    }


def everyone(answer: Answer) -> Row:
    return row(anonymous=answer, member=answer)


def members_only(answer: Answer = OK) -> Row:
    """A page for signed-in people; visitors are sent to sign in first."""
    return row(anonymous=SIGN_IN, member=answer)


def emailed_link(answer: Answer = OK, *, forged: Answer) -> Row:
    """A page behind a link the network emailed: whoever holds the link gets the page; a
    passer-by trying a link that was never sent gets `forged`."""
    return row(anonymous=forged, applicant=answer, member=answer)


def board_site(board: Answer, operator: Answer | None = None) -> Row:
    """A page of the board site: it opens only to board members whose session passed MFA."""
    return row(
        anonymous=BOARD_SIGN_IN,
        member=BOARD_SIGN_IN,
        board_without_mfa=BOARD_SIGN_IN,
        board_with_mfa=board,
        operator=operator or board,
    )


def signed_in_with_mfa(answer: Answer, *, without: Answer) -> Row:
    """An account page whose answer depends on whether the person has two-factor set up."""
    return row(
        anonymous=SIGN_IN,
        member=without,
        board_mfa_not_passed=answer,
        board_with_mfa=answer,
    )


PAGES: dict[str, Row] = {
    # The public site.
    "landing": everyone(OK),
    "privacy": everyone(OK),
    "guidelines": everyone(OK),
    "guidelines_version": everyone(OK),
    # Members who accepted the current guidelines (all of these) go on to their home page.
    "guidelines_accept": members_only(HOME),
    "healthz": everyone(OK),
    "robots_txt": everyone(OK),
    "unsubscribe": emailed_link(forged=answer(400)),
    # Signing in and accounts (allauth). Signup is closed: the page says so.
    "account_login": row(anonymous=OK, member=HOME),
    "account_logout": row(anonymous=redirect("/"), member=OK),
    "account_inactive": everyone(OK),
    "account_signup": row(anonymous=OK, member=HOME),
    "account_reauthenticate": members_only(),
    "account_email": members_only(),
    "account_email_verification_sent": everyone(OK),
    "account_change_password": members_only(),
    "account_set_password": members_only(redirect("/accounts/password/change/")),
    "account_reset_password": everyone(OK),
    "account_confirm_login_code": row(anonymous=SIGN_IN, member=HOME),
    # A confirmation or reset link for someone else signs the person holding it out first.
    "account_confirm_email": everyone(OK),
    "account_reset_password_from_key_done": everyone(OK),
    "account_reset_password_from_key": emailed_link(
        redirect("/accounts/password/reset/key/"), forged=OK
    ),
    "account_reset_password_done": everyone(OK),
    # Two-factor authentication (allauth.mfa). Members here have no authenticator; the board
    # member with MFA and the operator each have one.
    "mfa_index": members_only(),
    "mfa_authenticate": row(anonymous=SIGN_IN, member=HOME),
    "mfa_reauthenticate": signed_in_with_mfa(OK, without=PASSWORD_AGAIN),
    "mfa_activate_totp": members_only(PASSWORD_AGAIN),
    "mfa_deactivate_totp": signed_in_with_mfa(PASSWORD_AGAIN, without=NOT_FOUND),
    "mfa_view_recovery_codes": members_only(NOT_FOUND),
    "mfa_generate_recovery_codes": members_only(PASSWORD_AGAIN),
    "mfa_download_recovery_codes": members_only(NOT_FOUND),
    "mfa_list_webauthn": members_only(),
    "mfa_add_webauthn": members_only(PASSWORD_AGAIN),
    "mfa_reauthenticate_webauthn": members_only(PASSWORD_AGAIN),
    # Someone else's authenticator: asking for the password again first reveals nothing.
    "mfa_remove_webauthn": members_only(PASSWORD_AGAIN),
    "mfa_edit_webauthn": members_only(PASSWORD_AGAIN),
    "mfa_login_webauthn": row(anonymous=SIGN_IN, member=HOME),
    # Members' pages. Board members and the operator are members too.
    "members:home": members_only(),
    "members:account": members_only(),
    "members:directory": members_only(),
    "members:profile": members_only(),
    "members:photo": members_only(),
    "members:edit_profile": members_only(),
    "members:edit_photo": members_only(),
    "members:remove_photo": members_only(NOT_ALLOWED),
    "members:milestones": members_only(),
    "members:remove_milestone": members_only(NOT_ALLOWED),
    "members:self_description": members_only(),
    "members:give_consent": members_only(NOT_ALLOWED),
    "members:withdraw_consent": members_only(NOT_ALLOWED),
    "members:my_data": members_only(),
    "members:download_my_data": members_only(),
    "members:email_preferences": members_only(),
    # Deleting an account asks for the password again, however recently someone signed in.
    "members:delete_account": members_only(PASSWORD_AGAIN),
    # Discussions. The member's own reply is theirs to edit; for anyone else it is not there.
    "discussions:spaces": members_only(),
    "discussions:search": members_only(),
    "discussions:space": members_only(),
    "discussions:new_topic": members_only(),
    "discussions:topic": members_only(),
    "discussions:reply": members_only(NOT_ALLOWED),
    "discussions:edit_post": row(anonymous=SIGN_IN, member=OK, board_without_mfa=NOT_FOUND),
    "discussions:remove_post": members_only(NOT_ALLOWED),
    # Following: the page of what one follows, and buttons that only post.
    "discussions:following": members_only(),
    "discussions:follow_space": members_only(NOT_ALLOWED),
    "discussions:unfollow_space": members_only(NOT_ALLOWED),
    "discussions:follow_topic": members_only(NOT_ALLOWED),
    "discussions:unfollow_topic": members_only(NOT_ALLOWED),
    # Documents: the member's own reply takes them, the board (with MFA passed) may add to any
    # post; the demo's PDF opens for every member. The topic is the subject's: only the board
    # may keep it.
    "discussions:add_document": row(
        anonymous=SIGN_IN, member=OK, board_without_mfa=NOT_FOUND, board_with_mfa=OK
    ),
    "discussions:document": members_only(),
    "discussions:remove_document": members_only(NOT_ALLOWED),
    # The board keeps others' topics as resources only with its second factor.
    "discussions:resource": row(anonymous=SIGN_IN, member=NOT_FOUND, board_with_mfa=OK),
    "discussions:resources": members_only(),
    # Joining.
    "invitations:interest": everyone(OK),
    "invitations:more_info": emailed_link(forged=answer(400)),
    "invitations:withdraw": emailed_link(forged=answer(400)),
    "invitations:accept": emailed_link(forged=NOT_FOUND),
    "invitations:nominate": members_only(),
    "invitations:applications": members_only(),
    "invitations:endorse": members_only(),
    # Events. Each action is a button: POST only.
    "events:list": members_only(),
    "events:detail": members_only(),
    "events:mine": members_only(),
    "events:feedback": members_only(),
    "events:calendar_feed": members_only(),
    "events:renew_feed": members_only(NOT_ALLOWED),
    "events:stop_feed": members_only(NOT_ALLOWED),
    "events:register": members_only(NOT_ALLOWED),
    "events:cancel": members_only(NOT_ALLOWED),
    "events:confirm_offer": members_only(NOT_ALLOWED),
    "events:offer_book": members_only(NOT_ALLOWED),
    "events:withdraw_book": members_only(NOT_ALLOWED),
    "events:book_conversation": members_only(NOT_ALLOWED),
    "events:cancel_booking": members_only(NOT_ALLOWED),
    # A calendar app reads the feed without signing in: the link is the key.
    "events:feed": emailed_link(forged=NOT_FOUND),
    # Mentoring. A request is for its mentee (the board member without MFA) and its mentor (the
    # member) alone, a pairing for its pair (the member and the subject): anyone else, the
    # board included, finds nothing. Each action is a button or a form: POST only.
    "mentoring:home": members_only(),
    "mentoring:offer": members_only(),
    "mentoring:goals": members_only(),
    "mentoring:ask": members_only(),
    "mentoring:request": row(
        anonymous=SIGN_IN,
        member=OK,
        board_without_mfa=OK,
        board_mfa_not_passed=NOT_FOUND,
        board_with_mfa=NOT_FOUND,
    ),
    "mentoring:pairing": row(anonymous=SIGN_IN, member=OK, board_without_mfa=NOT_FOUND),
    **{
        f"mentoring:{name}": members_only(NOT_ALLOWED)
        for name in (
            "withdraw_request",
            "accept_request",
            "decline_request",
            "ask_question",
            "answer_question",
            "agree",
            "decline_pairing",
            "check_in",
            "fit",
            "end_pairing",
            "extend",
            "close_out",
            "join_round",
        )
    },
    # Conduct reports: anyone signed in may raise a concern and see their own; the appeal page
    # opens from the link emailed with a decision, signed in or not.
    "board:reports": members_only(),
    "board:report_member": members_only(),
    "board:report_event": members_only(),
    "board:report_post": members_only(),
    "board:received": members_only(),
    "board:appeal": emailed_link(forged=answer(400)),
    # The board site's own pages.
    "admin:index": board_site(OK),
    "admin:login": row(
        anonymous=SIGN_IN,
        member=FORBIDDEN,
        board_without_mfa=redirect("/accounts/2fa/totp/activate/"),
        board_mfa_not_passed=redirect("/accounts/2fa/reauthenticate/"),
        board_with_mfa=redirect("/board/"),
    ),
    "admin:logout": row(
        anonymous=redirect("/board/"), member=redirect("/board/"), board_with_mfa=NOT_ALLOWED
    ),
    "admin:password_change": board_site(OK),
    "admin:password_change_done": board_site(OK),
    "admin:autocomplete": board_site(FORBIDDEN),  # it answers searches for a field, not a visit
    "admin:jsi18n": board_site(OK),
    "admin:view_on_site": board_site(NOT_FOUND),  # accounts have no page on the site to view
    # Setting anyone's password is the operator's alone: with it, a board member could sign
    # in as anyone, the operator included.
    "admin:auth_user_password_change": board_site(FORBIDDEN, operator=OK),
    "admin:invitations_application_decide": board_site(OK),
    "admin:invitations_application_conflict": board_site(OK),
    "admin:invitations_decision_log": board_site(OK),
    "admin:invitations_invite_directly": board_site(OK),
    "admin:invitations_tree": board_site(OK),
    # The audit log's download (of the list as filtered) is itself on the record.
    "admin:network_auditevent_export": board_site(OK),
    # Events on the board site; publishing, copying and confirming a session are buttons.
    "admin:events_event_publish": board_site(NOT_ALLOWED),
    "admin:events_event_copy": board_site(NOT_ALLOWED),
    "admin:events_event_cancel": board_site(OK),
    "admin:events_event_attendance": board_site(OK),
    "admin:events_event_feedback": board_site(OK),
    "admin:events_event_library": board_site(OK),
    "admin:events_event_confirm_library": board_site(NOT_ALLOWED),
    "admin:events_registration_clear_no_show": board_site(OK),
    # Mentoring on the board site: each change to a round is a button; ending a pairing asks why.
    "admin:mentoring_matchinground_run": board_site(NOT_ALLOWED),
    "admin:mentoring_matchinground_add_mentee": board_site(NOT_ALLOWED),
    "admin:mentoring_matchinground_swap": board_site(NOT_ALLOWED),
    "admin:mentoring_matchinground_remove": board_site(NOT_ALLOWED),
    "admin:mentoring_matchinground_publish": board_site(NOT_ALLOWED),
    "admin:mentoring_matchinground_how": board_site(OK),
    "admin:mentoring_pairing_end": board_site(OK),
    "admin:board_report_decide": board_site(OK),
    "admin:board_report_conflict": board_site(OK),
    "admin:board_report_escalate": board_site(OK),
    # Moderating discussions: hiding posts asks for a reason, moving topics for a space.
    "admin:discussions_post_hide": board_site(OK),
    "admin:discussions_topic_move": board_site(OK),
    "admin:board_appeal_decide": board_site(OK),
    # Publishing the next guidelines asks for a confirmation first.
    "admin:board_guidelinesversion_publish": board_site(OK),
    "admin:impact": board_site(OK),
    "admin:impact_csv": board_site(OK),
    "board/(?P<url>.*)$": board_site(NOT_FOUND),
}

# Each model in the board site: what its changelist, add, change, delete and history pages
# answer the board member with MFA and the operator.
ALL_FORBIDDEN = {"changelist": 403, "add": 403, "change": 403, "delete": 403, "history": 403}
ALL_OPEN = {"changelist": 200, "add": 200, "change": 200, "delete": 200, "history": 200}
# Read (and where the admin allows, change) but never add or delete.
KEPT = {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200}
NO_DELETE = {"changelist": 200, "add": 200, "change": 200, "delete": 403, "history": 200}

ADMIN_MODELS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    # Access is managed through the groups, which the operator keeps.
    "auth.group": (ALL_FORBIDDEN, ALL_OPEN),
    "account.emailaddress": (ALL_FORBIDDEN, ALL_OPEN),
    "mfa.authenticator": (ALL_FORBIDDEN, ALL_OPEN),
    # Created once and never removed.
    "network.networksettings": (KEPT, KEPT),
    # The record of every message: read only.
    "network.outboundemail": (KEPT, KEPT),
    # The audit log: read and downloaded, never changed (PostgreSQL refuses that too).
    "network.auditevent": (KEPT, KEPT),
    # Accounts come only through invitations and are suspended, not deleted; the operator too
    # goes through the invitation and erasure rules, so neither has an add or delete page.
    "members.user": (KEPT, KEPT),
    # What applicants wrote is their record; the board acts through decisions.
    "invitations.application": (KEPT, KEPT),
    # Used and expired invitations are kept for the record.
    "invitations.invitation": (KEPT, KEPT),
    # Events are cancelled, so everyone is told, never deleted.
    "events.event": (NO_DELETE, NO_DELETE),
    # Members register themselves and seats are decided by the rules: the board reads them.
    "events.registration": (KEPT, KEPT),
    # A matching round is the record of how pairings were proposed: kept, never deleted.
    "mentoring.matchinground": (NO_DELETE, NO_DELETE),
    # Pairings and requests change only through what the pair (or the board's buttons) do.
    "mentoring.pairing": (KEPT, KEPT),
    "mentoring.mentoringrequest": (KEPT, KEPT),
    # Reports are members' words and appeals the members' own: the board decides, never edits.
    "board.report": (KEPT, KEPT),
    "board.appeal": (KEPT, KEPT),
    # Spaces are set up and changed by the board, and kept: they hold members' topics.
    "discussions.space": (NO_DELETE, NO_DELETE),
    # Topics and posts are members' words: the board reads them.
    "discussions.topic": (KEPT, KEPT),
    "discussions.post": (KEPT, KEPT),
    # Drafts are edited and published, never deleted; a published version is read only.
    "board.guidelinesversion": (NO_DELETE, NO_DELETE),
}


def admin_rows() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    apps: dict[str, list[int]] = {}
    for label, (board, operator) in ADMIN_MODELS.items():
        app, model = label.split(".")
        for view in ("changelist", "add", "change", "delete", "history"):
            rows[f"admin:{app}_{model}_{view}"] = board_site(
                answer(board[view]), answer(operator[view])
            )
        # The old "<id>/" address of an object leads to its change page, whoever may open it.
        rows[f"board/{app}/{model}/<path:object_id>/"] = board_site(
            redirect(f"/board/{app}/{model}/")
        )
        apps.setdefault(app, []).append(board["changelist"])
    for app, changelists in apps.items():
        # An app's page lists what the board may see in it; with nothing to see, it is not there.
        board = OK if 200 in changelists else NOT_FOUND
        rows[f"admin:app_list[{app}]"] = board_site(board, operator=OK)
    return rows


# anymail's webhooks take reports from the mail provider only: nobody opening them in a
# browser gets anything (refused outright without a shared secret, or for the wrong method).
FAMILIES: dict[str, Row] = {"anymail:": everyone(answer(400, 401, 403, 405))}

EXPECTATIONS: dict[str, Row] = {**PAGES, **admin_rows()}
ROUTES = site_routes()


def expectation(route: SiteRoute, role: Role) -> Answer:
    found = EXPECTATIONS.get(route.key)
    if found is None:
        found = next(
            (rows for prefix, rows in FAMILIES.items() if route.key.startswith(prefix)), None
        )
    if found is None:
        pytest.fail(
            f"add an expectation for {route.key} ({route.route}) to tests/site/test_url_matrix.py: "
            "what each role should get when it opens it",
            pytrace=False,
        )
    return found[role]


def describe(response: HttpResponseBase) -> str:
    where = response.get("Location")
    return f"{response.status_code}" + (f" to {where}" if where else "")


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_url_gives_each_role_the_expected_answer(
    route: SiteRoute, role: Role, demo: Demo, clients: dict[Role, Client]
) -> None:
    expected = expectation(route, role)
    path = route.path(params_for(route, role, demo))
    response, _ = visit(clients[role], path)
    assert response.status_code < 500, f"GET {path} as {role} failed: {describe(response)}"
    assert expected.accepts(response), (
        f"GET {path} as {role}: expected {expected}, got {describe(response)}"
    )


def test_every_expectation_is_for_a_url_the_site_still_has() -> None:
    keys = {route.key for route in ROUTES}
    stale = sorted(set(EXPECTATIONS) - keys)
    assert not stale, f"these URLs are gone; remove their expectations: {stale}"


def test_every_model_in_the_board_site_has_its_pages_in_the_matrix() -> None:
    registered = {
        model._meta.label_lower for route in ROUTES if (model := admin_model_for(route)) is not None
    }
    assert registered == set(ADMIN_MODELS), (
        f"board site models without expectations: {sorted(registered - set(ADMIN_MODELS))}; "
        f"expectations for models no longer there: {sorted(set(ADMIN_MODELS) - registered)}"
    )
