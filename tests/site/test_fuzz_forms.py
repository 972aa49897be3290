"""Every form on the site, filled in by hypothesis with what people and robots really send.

Each form is read from its page (field names, choices, what it sends untouched), then
submitted with some fields changed to oversized, empty, missing, unicode (right-to-left text,
emoji, NUL), control characters and malformed values (words for numbers, huge and negative
numbers, choices that were never offered). Whatever arrives, the site never answers with a
server error, a submission it refuses changes nothing in the database, and every email it
queues can be built.

A form joins by being on a page: `test_every_form_on_the_site_is_fuzzed` crawls every page as
every role and fails for a form that is neither fuzzed here nor excused with a reason.
"""

import copy
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from discussions.demo import sample_pdf
from events.models import Registration
from members import services as members
from members.models import Profile
from mentoring.models import Pairing
from network.mail import render_email
from network.models import OutboundEmail
from tests.factories import PASSWORD
from tests.site.html_forms import FormField, PageForm, post_forms_on
from tests.site.sitemap import (
    Demo,
    Role,
    application_data,
    body_of,
    params_for,
    site_routes,
    visit,
)

pytestmark = pytest.mark.django_db

# The same examples on every run, so a failure seen in CI is the one seen on a laptop. To search
# further: FUZZ_RANDOM=1 FUZZ_EXAMPLES=500.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    database=None,
    print_blob=True,
    # No shrinking: replaying a failure hundreds of times with megabytes of input takes minutes.
    # The draws are labelled and huge values print short, so a first failing example reads well
    # enough, and the printed blob replays it.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------------------------
# The forms


@dataclass(frozen=True)
class FuzzedForm:
    """A form as one kind of person meets it: on which page, and what a good submission holds."""

    role: Role
    action: str  # the URL name the form posts to
    page: Callable[[Demo], str]
    # Values that make the untouched form a valid submission, over what the page fills in.
    valid: Callable[[Demo], dict[str, Any]] = lambda demo: {}
    # Whatever the person must have done first for the form to be there.
    before: Callable[[Demo], None] = lambda demo: None
    examples: int = EXAMPLES

    def __str__(self) -> str:
        return f"{self.role}-{self.action}"


def url(name: str, *args: Callable[[Demo], object]) -> Callable[[Demo], str]:
    return lambda demo: reverse(name, args=[arg(demo) for arg in args])


def new_password() -> dict[str, str]:
    return {"password1": "a-brand-new-password-456", "password2": "a-brand-new-password-456"}


def consented(demo: Demo) -> None:
    members.give_sensitive_consent(user=demo.member)


def new_event() -> dict[str, str]:
    """The board's add form for an event, filled in: times are UK time."""
    return {
        "title": "Leading through winter pressures",
        "description": "An evening for members across the region.",
        "kind": "networking",
        "format": "online",
        "starts_at_0": "15/01/2030",
        "starts_at_1": "18:00",
        "ends_at_0": "15/01/2030",
        "ends_at_1": "20:00",
        "capacity": "30",
        "slot_minutes": "25",
        "readers_per_slot": "3",
    }


def no_show(demo: Demo) -> Registration:
    """The member recorded as not coming to the held event, for the board to clear."""
    registration = demo.past_event.registrations.get()
    registration.attendance = Registration.Attendance.NO_SHOW
    registration.save(update_fields=["attendance"])
    return registration


def reads_as_a_book(demo: Demo) -> None:
    Profile.objects.filter(user=demo.member).update(living_library_topics="Coming out at work")


FORMS = [
    # Applicants and visitors.
    FuzzedForm(
        Role.ANONYMOUS,
        "invitations:interest",
        url("invitations:interest"),
        lambda d: application_data(email="new.applicant@example.org"),
    ),
    FuzzedForm(
        Role.APPLICANT,
        "invitations:accept",
        url("invitations:accept", lambda d: d.invitation_token),
        lambda d: {**new_password(), "agree": "on"},
    ),
    FuzzedForm(
        Role.APPLICANT,
        "invitations:more_info",
        url("invitations:more_info", lambda d: d.more_info_token),
        lambda d: {"text": "I mentor three ward sisters."},
    ),
    FuzzedForm(
        Role.APPLICANT,
        "invitations:withdraw",
        url("invitations:withdraw", lambda d: d.withdraw_token),
    ),
    FuzzedForm(Role.APPLICANT, "unsubscribe", url("unsubscribe", lambda d: d.unsubscribe_token)),
    FuzzedForm(
        Role.ANONYMOUS,
        "account_login",
        url("account_login"),
        lambda d: {"login": d.member.email, "password": PASSWORD},
    ),
    FuzzedForm(Role.ANONYMOUS, "mfa_login_webauthn", url("account_login")),
    FuzzedForm(
        Role.ANONYMOUS,
        "account_reset_password",
        url("account_reset_password"),
        lambda d: {"email": d.member.email},
    ),
    # Members.
    FuzzedForm(Role.MEMBER, "members:edit_profile", url("members:edit_profile")),
    FuzzedForm(Role.MEMBER, "members:edit_photo", url("members:edit_photo")),
    FuzzedForm(
        Role.MEMBER,
        "members:milestones",
        url("members:milestones"),
        lambda d: {"achieved_on": "31/03/2025", "description": "Appointed to a trust board"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "members:give_consent",
        url("members:self_description"),
        lambda d: {"agree": "on"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "members:self_description",
        url("members:self_description"),
        lambda d: {f"text_{d.characteristic.pk}": "Gay"},
        before=consented,
    ),
    FuzzedForm(
        Role.MEMBER,
        "members:withdraw_consent",
        url("members:self_description"),
        before=consented,
    ),
    FuzzedForm(Role.MEMBER, "members:email_preferences", url("members:email_preferences")),
    FuzzedForm(
        Role.MEMBER,
        "invitations:nominate",
        url("invitations:nominate"),
        lambda d: application_data(email="nominee@example.org"),
    ),
    FuzzedForm(
        Role.MEMBER,
        "invitations:endorse",
        url("invitations:endorse", lambda d: d.nominated.pk),
        lambda d: {"text": "A generous mentor to many."},
    ),
    FuzzedForm(
        Role.MEMBER,
        "account_change_password",
        url("account_change_password"),
        lambda d: {"oldpassword": PASSWORD, **new_password()},
    ),
    FuzzedForm(Role.MEMBER, "account_email", url("account_email")),
    FuzzedForm(
        Role.MEMBER,
        "account_reauthenticate",
        url("account_reauthenticate"),
        lambda d: {"password": PASSWORD},
    ),
    FuzzedForm(
        Role.MEMBER,
        "events:register",
        url("events:detail", lambda d: d.event.pk),
        lambda d: {"access_needs": "A hearing loop, please"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "events:feedback",
        url("events:feedback", lambda d: d.past_event.pk),
        lambda d: {"rating": "4", "what_worked": "The small groups"},
    ),
    FuzzedForm(
        Role.MEMBER, "events:book_conversation", url("events:detail", lambda d: d.library.pk)
    ),
    FuzzedForm(
        Role.MEMBER,
        "events:offer_book",
        url("events:detail", lambda d: d.library.pk),
        lambda d: {"title": "Out in the ambulance service", "blurb": "Twenty years on the road."},
        before=reads_as_a_book,
    ),
    FuzzedForm(Role.MEMBER, "events:renew_feed", url("events:calendar_feed")),
    # Mentoring: the member's offer and goals, asking the subject, answering the board member's
    # request, and their pairing with the subject (the "is this working?" question is due).
    FuzzedForm(
        Role.MEMBER,
        "mentoring:offer",
        url("mentoring:offer"),
        lambda d: {"mentoring_status": "accepting", "mentoring_capacity": "2"},
    ),
    FuzzedForm(Role.MEMBER, "mentoring:goals", url("mentoring:goals")),
    FuzzedForm(
        Role.MEMBER,
        "mentoring:ask",
        url("mentoring:ask", lambda d: d.subject.pk),
        lambda d: {"note": "Could you help me towards a board post?"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "mentoring:decline_request",
        url("mentoring:request", lambda d: d.incoming_request.pk),
        lambda d: {"reason": "no_capacity"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "mentoring:ask_question",
        url("mentoring:request", lambda d: d.incoming_request.pk),
        lambda d: {"question": "Which board are you aiming for?"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "mentoring:check_in",
        url("mentoring:pairing", lambda d: d.mentoring_pairing.pk),
        lambda d: {
            "held_on": d.mentoring_pairing.started_on.strftime("%d/%m/%Y"),
            "format": "phone",
            "notes": "We talked about the finance committee.",
        },
    ),
    FuzzedForm(
        Role.MEMBER,
        "mentoring:fit",
        url("mentoring:pairing", lambda d: d.mentoring_pairing.pk),
        lambda d: {"working": "yes"},
    ),
    # The board.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_application_decide",
        url("admin:invitations_application_decide", lambda d: d.nominated.pk),
        lambda d: {"verdict": "reject", "reason": "No mentoring record yet."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_application_conflict",
        url("admin:invitations_application_conflict", lambda d: d.nominated.pk),
        lambda d: {"reason": "I manage this applicant."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_invite_directly",
        url("admin:invitations_invite_directly"),
        lambda d: application_data(email="direct@example.org"),
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:network_networksettings_change",
        url("admin:network_networksettings_change", lambda d: 1),
        # Each submission draws the whole settings page again with all its rows: slow, so fewer.
        examples=12,
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:members_user_change",
        url("admin:members_user_change", lambda d: d.subject.pk),
    ),
    FuzzedForm(
        Role.OPERATOR,
        "admin:members_user_change",
        url("admin:members_user_change", lambda d: d.subject.pk),
    ),
    # The board's guidelines: a new draft, and the demo's draft of the next version.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_guidelinesversion_add",
        url("admin:board_guidelinesversion_add"),
        lambda d: {
            "version": "2099-02",
            "title": "Guidelines and code of conduct",
            "body": "## Respect\n\nBe kind.",
            "change_summary": "Kinder words.",
        },
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_guidelinesversion_change",
        url("admin:board_guidelinesversion_change", lambda d: d.guidelines_draft.pk),
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_invitation_changelist",
        url("admin:invitations_invitation_changelist"),
        lambda d: {"action": "revoke", "_selected_action": [str(d.invitation.pk)]},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:network_outboundemail_changelist",
        url("admin:network_outboundemail_changelist"),
        lambda d: {
            "action": "retry",
            "_selected_action": [str(OutboundEmail.objects.order_by("pk").first().pk)],
        },
    ),
    FuzzedForm(Role.BOARD_WITH_MFA, "mfa_reauthenticate", url("mfa_reauthenticate")),
    FuzzedForm(Role.BOARD_WITH_MFA, "admin:password_change", url("admin:password_change")),
    # Read-only records: a submission must be refused and change nothing.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_application_change",
        url("admin:invitations_application_change", lambda d: d.nominated.pk),
        examples=5,
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:invitations_invitation_change",
        url("admin:invitations_invitation_change", lambda d: d.invitation.pk),
        examples=5,
    ),
    # The board's events.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_event_add",
        url("admin:events_event_add"),
        lambda d: new_event(),
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_event_change",
        url("admin:events_event_change", lambda d: d.event.pk),
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_event_changelist",
        url("admin:events_event_changelist"),
        lambda d: {"action": "publish", "_selected_action": [str(d.event.pk)]},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_event_cancel",
        url("admin:events_event_cancel", lambda d: d.event.pk),
        lambda d: {"message": "The venue has flooded. We are sorry."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_event_attendance",
        url("admin:events_event_attendance", lambda d: d.past_event.pk),
        lambda d: {f"attendance-{d.past_event.registrations.get(member=d.member).pk}": "no_show"},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:events_registration_clear_no_show",
        url("admin:events_registration_clear_no_show", lambda d: no_show(d).pk),
        lambda d: {"reason": "Their train was cancelled."},
        before=lambda d: no_show(d) and None,
    ),
    # The board's mentoring.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:mentoring_matchinground_add",
        url("admin:mentoring_matchinground_add"),
        lambda d: {"title": "Winter round"},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:mentoring_pairing_end",
        url("admin:mentoring_pairing_end", lambda d: d.admin_objects[Pairing].pk),
        lambda d: {"reason": "asked"},
    ),
    # Discussions: a new topic, a reply, and the member editing their own reply; the board's
    # spaces.
    FuzzedForm(
        Role.MEMBER,
        "discussions:new_topic",
        url("discussions:new_topic", lambda d: d.space.slug),
        lambda d: {"title": "Allies: how to speak up in meetings", "body": "What do you say?"},
    ),
    FuzzedForm(
        Role.MEMBER,
        "discussions:reply",
        url("discussions:topic", lambda d: d.topic.pk),
        lambda d: {"body": "Read the last three sets of board papers."},
    ),
    FuzzedForm(
        Role.MEMBER,
        "discussions:edit_post",
        url("discussions:edit_post", lambda d: d.reply.pk),
        lambda d: {"body": "How I would challenge the chief executive."},
    ),
    FuzzedForm(
        Role.MEMBER,
        "discussions:add_document",
        url("discussions:add_document", lambda d: d.reply.pk),
        lambda d: {"document": Upload("Guide.pdf", sample_pdf("A guide"), "a PDF")},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "discussions:resource",
        url("discussions:resource", lambda d: d.topic.pk),
        lambda d: {"is_resource": "on"},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_space_add",
        url("admin:discussions_space_add"),
        lambda d: {"name": "Allies", "slug": "allies", "position": "2"},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_space_change",
        url("admin:discussions_space_change", lambda d: d.space.pk),
    ),
    # Conduct: a member's concern and a warned member's appeal; the board's decisions, the
    # appeal's refused as the board member fuzzing it made the decision appealed.
    FuzzedForm(
        Role.MEMBER,
        "board:report_member",
        url("board:report_member", lambda d: d.subject.pk),
        lambda d: {"reason": "other", "details": "She was rude to me at the workshop."},
    ),
    FuzzedForm(
        Role.MEMBER,
        "board:report_event",
        url("board:report_event", lambda d: d.event.pk),
        lambda d: {"reason": "inappropriate", "details": "The slides mocked patients."},
    ),
    FuzzedForm(
        Role.MEMBER,
        "board:report_post",
        url("board:report_post", lambda d: d.topic.posts.order_by("pk")[0].pk),
        lambda d: {"reason": "inappropriate", "details": "It mocks a colleague."},
    ),
    # Moderating discussions: the lists' actions, a reason to hide, a space to move to, and a
    # conduct report the board opens from a post.
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_topic_changelist",
        url("admin:discussions_topic_changelist"),
        lambda d: {"action": "lock", "_selected_action": [str(d.topic.pk)]},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_post_changelist",
        url("admin:discussions_post_changelist"),
        lambda d: {"action": "hide", "_selected_action": [str(d.reply.pk)]},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_post_hide",
        lambda d: reverse("admin:discussions_post_hide") + f"?ids={d.reply.pk}",
        lambda d: {"reason": "It names a colleague."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:discussions_topic_move",
        lambda d: reverse("admin:discussions_topic_move") + f"?ids={d.topic.pk}",
        lambda d: {"space": str(d.space.pk)},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_report_escalate",
        url("admin:board_report_escalate", lambda d: d.reply.pk),
        lambda d: {"reason": "inappropriate", "details": "It names a colleague."},
    ),
    FuzzedForm(
        Role.APPLICANT,
        "board:appeal",
        url("board:appeal", lambda d: d.appeal_token),
        lambda d: {"text": "I gave my places up as soon as I could."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_report_decide",
        url("admin:board_report_decide", lambda d: d.report.pk),
        lambda d: {"outcome": "note", "reason": "Spoken to."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_report_conflict",
        url("admin:board_report_conflict", lambda d: d.report.pk),
        lambda d: {"reason": "I know the reporter."},
    ),
    FuzzedForm(
        Role.BOARD_WITH_MFA,
        "admin:board_appeal_decide",
        url("admin:board_appeal_decide", lambda d: d.appeal.pk),
        lambda d: {"status": "upheld", "response": "The warning stands."},
    ),
]

# Forms the fuzzer leaves alone, and why.
EXCUSED = {
    "admin:events_event_publish": "publishes an event: a button with nothing to fill in",
    "admin:events_event_copy": "copies an event: a button with nothing to fill in",
    "admin:events_event_confirm_library": "confirms a session: a button with nothing to fill in",
    "admin:events_registration_changelist": "the registrations list has no actions to choose",
    "admin:events_registration_change": "read only; the same admin code as the other records",
    "admin:mentoring_matchinground_run": "runs the matching: a button with nothing to fill in",
    "admin:mentoring_matchinground_publish": "publishes a round: a button with nothing to fill in",
    "admin:mentoring_matchinground_remove": "removes a pair: a button with nothing to fill in",
    "admin:mentoring_matchinground_change": "nothing on a round's page is typed in: its buttons "
    "change it",
    "admin:network_auditevent_changelist": "the audit log is read only: its list has no actions "
    "to choose, and its search and filters are links and a GET form",
    "admin:network_auditevent_change": "read only; the same admin code as the other records",
    **{
        f"admin:mentoring_{model}_change": "read only; the same admin code as the other records"
        for model in ("pairing", "mentoringrequest")
    },
    **{
        f"admin:mentoring_{model}_changelist": "the list has no actions to choose"
        for model in ("matchinground", "pairing", "mentoringrequest")
    },
    "discussions:remove_post": "removes one's own post: a button with nothing to fill in",
    "discussions:follow_space": "follows a space: a button with nothing to fill in",
    "discussions:unfollow_space": "stops following a space: a button with nothing to fill in",
    "discussions:follow_topic": "follows a topic: a button with nothing to fill in",
    "discussions:unfollow_topic": "stops following a topic: a button with nothing to fill in",
    "discussions:remove_document": "removes a document: a button with nothing to fill in",
    **{
        f"admin:discussions_{model}_{view}": reason
        for model in ("space", "topic", "post")
        for view, reason in (
            ("changelist", "the list has no actions to choose"),
            ("change", "read only; the same admin code as the other records"),
        )
        # fuzzed above
        if (model, view)
        not in {("space", "change"), ("topic", "changelist"), ("post", "changelist")}
    },
    "account_logout": "signs out: a button with nothing to fill in",
    "admin:logout": "signs out: a button with nothing to fill in",
    "account_confirm_email": "confirms an address: a button with nothing to fill in",
    "admin:invitations_application_changelist": "the queue has no actions to choose",
    **{
        f"admin:board_{model}_{view}": reason
        for model in ("report", "appeal")
        for view, reason in (
            ("changelist", "the list has no actions to choose"),
            ("change", "read only; the same admin code as the other records"),
        )
    },
    "admin:members_user_changelist": "the accounts list has no actions to choose",
    "admin:board_guidelinesversion_changelist": "the list has no actions to choose",
    "admin:board_guidelinesversion_publish": "publishes a version: a button with nothing to fill "
    "in",
    "admin:network_networksettings_changelist": "one row; nothing to choose",
    "admin:network_outboundemail_change": "read only; the same admin code as the other records",
    # The operator's own tools: Django's and allauth's stock admin forms for accounts, groups,
    # addresses and authenticators, which nobody else can open.
    **{
        f"admin:{model}_{view}": "the operator's stock admin form"
        for model in ("account_emailaddress", "auth_group", "mfa_authenticator", "members_user")
        for view in ("add", "change", "changelist", "delete")
        if (model, view) != ("members_user", "change")  # fuzzed above, for the board too
    },
    "admin:auth_user_password_change": "the operator's stock admin form",
    "events:cancel": "gives up a place: a button with nothing to fill in",
    "events:confirm_offer": "takes up an offered place: a button with nothing to fill in",
    "events:withdraw_book": "withdraws a book: a button with nothing to fill in",
    "events:cancel_booking": "cancels a conversation: a button with nothing to fill in",
    "events:stop_feed": "stops the calendar link: a button with nothing to fill in",
    "mentoring:accept_request": "accepts a request: a button with nothing to fill in",
    "mentoring:withdraw_request": "withdraws a request: a button with nothing to fill in",
    "mentoring:join_round": "joins a matching round: a button with nothing to fill in",
    "mentoring:agree": "agrees to a pairing: a button with nothing to fill in",
    "mentoring:decline_pairing": "says no to a pairing: a button with nothing to fill in",
    "mentoring:extend": "asks to carry on: a button with nothing to fill in",
    "mentoring:end_pairing": "ends a pairing: a button with nothing to fill in",
}


# ---------------------------------------------------------------------------------------------
# What gets typed in


@dataclass(frozen=True)
class Oversized:
    """A huge value, kept small in a failing example's report."""

    length: int
    unit: str

    def value(self) -> str:
        return (self.unit * (self.length // len(self.unit) + 1))[: self.length]


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes = field(repr=False)
    what: str

    def file(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content, content_type="image/jpeg")


def _image(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "purple").save(buffer, format=image_format)
    return buffer.getvalue()


NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202eevil\u202c",  # right-to-left override
        "مرحبا بالعالم",
        "שלום",
        "😀👩🏽‍⚕️🏳️‍🌈",
        "\ufeff\u200b\u200d",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "{{ request }}{% debug %}",
        "../../etc/passwd",
        "%00%0d%0a",
        "\r\n\r\nX-Injected: 1",
        "Robert'); DROP TABLE members_user;--",
        "\uff11\uff12\uff13",  # full-width digits
        "٣",
        "NaN",
        "None",
        "null",
        "true",
        "[]",
        "{}",
    ]
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
CONTROL = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028"), min_size=1)
NUMBERS = st.integers(min_value=-(10**30), max_value=10**30).map(str) | st.sampled_from(
    ["-1", "0", "1.5", "1e309", "-0", "0x1A", "Infinity", "9" * 400, " 3 "]
)
OVERSIZED = st.builds(
    Oversized,
    length=st.sampled_from([1_000, 70_000, 1_100_000, 3_000_000]),
    unit=st.sampled_from(["x", "é", "😀", "ab\x00", "MARKER "]),
)
GARBAGE = st.one_of(NASTY, TEXT, CONTROL, NUMBERS, OVERSIZED)
UPLOADS = st.one_of(
    st.just(Upload("me.jpg", _image("JPEG"), "a photo")),
    st.just(Upload("me.jpg", _image("PNG"), "a PNG called .jpg")),
    st.just(Upload("me.gif", _image("GIF"), "a GIF")),
    st.just(Upload("guide.pdf", sample_pdf("A guide"), "a PDF")),
    st.just(Upload("setup.pdf", b"MZ\x90\x00" + b"\x00" * 500, "a program called .pdf")),
    st.builds(
        Upload,
        name=st.sampled_from(["x.jpg", "no-extension", "é😀.jpeg", "a" * 300 + ".jpg"]),
        content=st.binary(max_size=2_000),
        what=st.just("random bytes"),
    ),
    st.just(Upload("huge.jpg", b"\xff\xd8" + b"\x00" * (6 * 1024 * 1024), "6 MB of nothing")),
)


def values_for(found: FormField) -> st.SearchStrategy[Any]:
    """What might be sent for one field, other than what a good submission sends."""
    offered = st.sampled_from(found.options) if found.options else GARBAGE
    if found.kind == "file":
        return UPLOADS
    if found.multiple:
        return st.lists(st.one_of(offered, GARBAGE), max_size=5)
    if found.kind in ("select", "radio", "checkbox"):
        return st.one_of(offered, GARBAGE)
    if found.kind == "email":
        return st.one_of(st.emails(), GARBAGE)
    if found.kind == "number":
        return st.one_of(NUMBERS, GARBAGE)
    if found.kind == "hidden":
        # Ids and form counts (a formset's TOTAL_FORMS, INITIAL_FORMS): small wrong numbers
        # are what a tampered or stale page sends.
        return st.one_of(st.integers(min_value=-2, max_value=5).map(str), GARBAGE)
    return GARBAGE


MISSING = object()


def submission(data: st.DataObject, form: PageForm, valid: dict[str, Any]) -> dict[str, Any]:
    """A good submission with some fields replaced, left out, or added that were never there."""
    names = sorted(set(form.fields) | set(valid))
    changed = data.draw(st.sets(st.sampled_from(names), max_size=len(names)), label="changed")
    sent: dict[str, Any] = {}
    for name in names:
        if name in changed:
            found = form.fields.get(name, FormField(name=name, kind="text"))
            value = data.draw(st.one_of(st.just(MISSING), values_for(found)), label=name)
        else:
            value = valid.get(name, form.fields[name].initial if name in form.fields else MISSING)
        if value is not MISSING:
            sent[name] = value
    extra = data.draw(
        st.dictionaries(
            st.sampled_from(["extra", "id", "pk", "user", "is_superuser"]), GARBAGE, max_size=2
        ),
        label="extra fields",
    )
    return {**extra, **sent}


def encoded(sent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in sent.items():
        if isinstance(value, Oversized):
            value = value.value()
        elif isinstance(value, Upload):
            value = value.file()
        elif isinstance(value, list):
            value = [v.value() if isinstance(v, Oversized) else v for v in value]
        out[name] = value
    return out


# ---------------------------------------------------------------------------------------------
# What must hold


# Sessions change whenever anyone visits; they are not what a form changes.
UNTRACKED = {"sessions.Session"}


def database_state() -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, for every table the site's models keep."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in UNTRACKED:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        state[meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


ERROR_SIGNS = ("nhsuk-error-summary", "nhsuk-error-message", "errornote", "errorlist")


def refused(status: int, page: str) -> bool:
    """A submission the site turned down: an error status, or the form shown again with errors."""
    return status >= 400 or (status == 200 and any(sign in page for sign in ERROR_SIGNS))


_forms: dict[FuzzedForm, PageForm] = {}


def the_form(entry: FuzzedForm, client: Client, demo: Demo) -> PageForm:
    """The form as its page offers it (read once per module)."""
    if entry not in _forms:
        with transaction.atomic():
            entry.before(demo)
            path = entry.page(demo)
            response, body = visit(client, path)
            transaction.set_rollback(True)
        assert response.status_code == 200, f"{path} answers {response.status_code}"
        found = [f for f in post_forms_on(path, body.decode()) if f.url_name == entry.action]
        assert found, f"{path} has no form that posts to {entry.action}"
        _forms[entry] = found[0]
    return _forms[entry]


def submit_and_check(
    entry: FuzzedForm,
    client: Client,
    demo: Demo,
    form: PageForm,
    sent: dict[str, Any],
    *,
    multipart: bool,
) -> None:
    """Send one submission and check what must hold, then undo all it did."""
    cookies = copy.deepcopy(client.cookies)
    cache.clear()  # rate limits would answer 429 and hide the form
    try:
        with transaction.atomic():
            entry.before(demo)
            before = database_state()
            queued_before = set(OutboundEmail.objects.values_list("pk", flat=True))
            if multipart:
                response = client.post(form.action, encoded(sent))
            else:
                response = client.post(
                    form.action,
                    urlencode(encoded(sent), doseq=True),
                    content_type="application/x-www-form-urlencoded",
                )
            page = body_of(response).decode(errors="replace")
            assert response.status_code < 500, f"{response.status_code} from {form.action}"
            if refused(response.status_code, page):
                after = database_state()
                changed = sorted(table for table in after if after[table] != before.get(table))
                assert not changed, (
                    f"{form.action} refused the submission ({response.status_code}) "
                    f"but changed {changed}"
                )
            for email in OutboundEmail.objects.exclude(pk__in=queued_before):
                render_email(email)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
        cache.clear()


@pytest.mark.parametrize("entry", FORMS, ids=str)
def test_no_submission_breaks_a_form_or_changes_anything_when_refused(
    entry: FuzzedForm, demo: Demo, clients: dict[Role, Client]
) -> None:
    client = clients[entry.role]
    form = the_form(entry, client, demo)

    @settings(FUZZ, max_examples=entry.examples)
    @given(data=st.data())
    def submit(data: st.DataObject) -> None:
        sent = submission(data, form, entry.valid(demo))
        multipart = any(isinstance(v, Upload) for v in sent.values()) or data.draw(
            st.booleans(), label="multipart"
        )
        submit_and_check(entry, client, demo, form, sent, multipart=multipart)

    submit()


def is_bookkeeping(name: str) -> bool:
    """Fields a page keeps for itself: how many rows a formset sends and already has, and which
    rows an admin action is for."""
    return name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-id")) or name in (
        "_selected_action",
        "select_across",
    )


@pytest.mark.parametrize("entry", FORMS, ids=str)
def test_stale_or_tampered_bookkeeping_is_refused_cleanly(
    entry: FuzzedForm, demo: Demo, clients: dict[Role, Client]
) -> None:
    """A page left open while someone else edits, or a tampered one, sends the wrong row counts
    or row ids. Too narrow for the random search to hit every run, so each such field is tried
    here with each wrong value, the rest of the form left good."""
    client = clients[entry.role]
    form = the_form(entry, client, demo)
    good = {
        name: found.initial if found.multiple else found.initial[0]
        for name, found in form.fields.items()
        if found.initial
    } | entry.valid(demo)
    for name in [name for name in form.fields if is_bookkeeping(name)]:
        for wrong in ("0", "1", "-1", "1001", "", "x", "9" * 30):
            sent = {**good, name: [wrong] if form.fields[name].multiple else wrong}
            submit_and_check(entry, client, demo, form, sent, multipart=True)


def test_every_form_on_the_site_is_fuzzed(demo: Demo, clients: dict[Role, Client]) -> None:
    fuzzed = {entry.action for entry in FORMS}
    missing: dict[str, str] = {}
    for role, client in clients.items():
        for route in site_routes():
            path = route.path(params_for(route, role, demo))
            response, body = visit(client, path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in post_forms_on(path, body.decode(errors="replace")):
                if form.url_name not in fuzzed and form.url_name not in EXCUSED:
                    missing.setdefault(form.url_name, f"{path} as {role}")
    assert not missing, (
        "forms nobody fuzzes: add each to FORMS in tests/site/test_fuzz_forms.py, or to "
        f"EXCUSED with the reason: {missing}"
    )
