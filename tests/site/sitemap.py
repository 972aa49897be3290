"""The whole site as the site-wide suites see it: every URL pattern, demo data to fill them, and
a signed-in client for each kind of person.

A new page joins these suites by being a URL: `site_routes()` walks the resolver, so nobody has
to remember to list it. What a route needs in its path comes from `PARAMETERS`, keyed by the
parameter's name (and, where one name means different things, by the URL's name too).
"""

import copy
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.regex_helper import normalize
from PIL import Image

from board import guidelines as board_guidelines
from board import reports as board_reports
from board.models import Appeal, GuidelinesVersion, Report
from discussions import resources as discussions_resources
from discussions import services as discussions
from discussions.demo import sample_pdf
from discussions.models import Attachment, Post, Space, Topic
from events import feeds as event_feeds
from events import library as events_library
from events import services as events
from events.models import Book, Booking, Event, Registration
from invitations import services as invitations
from invitations.models import Application, Invitation
from members import services as members
from members.models import (
    BOARD_GROUP,
    CareerMilestone,
    MentoringStatus,
    Profile,
    User,
    Visibility,
)
from members.photos import prepare_photo
from mentoring import rounds as mentoring_rounds
from mentoring import services as mentoring
from mentoring.models import CheckIn, MatchingRound, MentoringRequest, Pairing
from network import mail
from network.models import (
    EmailCategory,
    MembershipCategory,
    MentoringTopic,
    NetworkSettings,
    OutboundEmail,
    SensitiveCharacteristic,
)
from tests.events.support import living_library, published_event
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    BoardMemberFactory,
    MemberFactory,
    enable_totp,
)


class Role(StrEnum):
    """The kinds of people who reach the site, from a passer-by to the operator."""

    ANONYMOUS = "anonymous"
    # Signed out, holding the links the network emailed them (invitation, withdraw, more info).
    APPLICANT = "applicant"
    MEMBER = "member"
    BOARD_WITHOUT_MFA = "board_without_mfa"
    # Has an authenticator, but this session passed only the password: the board's view must
    # follow what the session proved, not what the account has set up.
    BOARD_MFA_NOT_PASSED = "board_mfa_not_passed"
    # Signed in through the real two-step sign-in: password, then an authenticator code.
    BOARD_WITH_MFA = "board_with_mfa"
    OPERATOR = "operator"


ROLES = list(Role)
FORGED_LINK = "forged-link-0000"
# Shown only to members with a confirmed place at the demo's coming event.
JOIN_LINK = "https://meet.example.org/winter-pressures"


# ---------------------------------------------------------------------------------------------
# Every URL pattern


@dataclass(frozen=True)
class SiteRoute:
    """One URL pattern of the site, as a chain of patterns from the root URLconf down."""

    key: str  # the URL's name, or its route where it has none; "[variant]" when filled twice
    name: str | None
    route: str
    chain: tuple[RoutePattern | RegexPattern, ...]
    params: tuple[str, ...]
    variant: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return self.key

    def path(self, values: dict[str, str]) -> str:
        """The path with each parameter filled in, checked to resolve back to this route."""
        parts = [_fill(pattern, {**values, **self.variant}) for pattern in self.chain]
        path = "/" + "".join(parts)
        match = resolve(urlsplit(path).path)
        assert match.route == self.route, (
            f"{self.key}: {path} resolves to {match.route!r}, not this route; "
            "fix its parameter values in tests/site/sitemap.py"
        )
        return path


# What reverse() leaves unquoted in a path: RFC 3986 sub-delimiters, "/", ":", "@" and "~".
SAFE = "/!$&'()*+,;=:@~"


def _params(pattern: RoutePattern | RegexPattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _fill(pattern: RoutePattern | RegexPattern, values: dict[str, str]) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(
            r"<(?:[^>:]+:)?([^>]+)>",
            lambda found: quote(str(values[found.group(1)]), safe=SAFE),
            pattern._route,
        )
    # Regular expressions: the first way of writing the path that needs only what we have.
    for template, needs in normalize(pattern._regex):
        if set(needs) <= set(values):
            return template % {name: quote(str(values[name]), safe=SAFE) for name in needs}
    raise AssertionError(f"cannot fill {pattern._regex!r} from {sorted(values)}")


def _walk(
    entries: list[Any], chain: tuple[Any, ...] = (), namespace: str | None = None
) -> Iterator[tuple[tuple[Any, ...], str | None]]:
    for entry in entries:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, (*chain, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield (*chain, entry.pattern), name


def _route_of(chain: tuple[Any, ...]) -> str:
    # As Django's resolver writes ResolverMatch.route: a "^" after the first part is dropped.
    route = ""
    for pattern in chain:
        part = str(pattern)
        route = route + part.removeprefix("^") if route else part
    return route


def admin_app_labels() -> list[str]:
    return sorted({model._meta.app_label for model in admin.site._registry})


def site_routes() -> list[SiteRoute]:
    """Every URL pattern in the project, admin, allauth and anymail included."""
    routes: list[SiteRoute] = []
    for chain, name in _walk(get_resolver().url_patterns):
        route = _route_of(chain)
        params = tuple(param for pattern in chain for param in _params(pattern))
        key = name or route
        if name == "admin:app_list":
            # One page per app in the board site; each is its own row in the matrix.
            routes.extend(
                SiteRoute(f"{key}[{label}]", name, route, chain, params, {"app_label": label})
                for label in admin_app_labels()
            )
        else:
            routes.append(SiteRoute(key, name, route, chain, params))
    return routes


def admin_model_for(route: SiteRoute) -> type[models.Model] | None:
    """The model a board-site route is about, read from its path ("board/<app>/<model>/...")."""
    found = re.match(r"board/(\w+)/(\w+)/", route.route)
    if not found:
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == found.groups():
            return model
    return None


# ---------------------------------------------------------------------------------------------
# Demo data


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def application_data(**overrides: object) -> dict[str, object]:
    return {
        "name": "Kwame Mensah",
        "email": "kwame@example.org",
        "job_title": "Chief Pharmacist",
        "organisation": "NHS England",
        "profession": "pharmacy",
        "region": "london",
        "career_aspiration": "A board role",
        "mentoring_evidence": "Leads a mentoring scheme for pharmacists",
        "current_mentees": 3,
        "referee": "",
        **overrides,
    }


@dataclass
class Demo:
    """A small network with one of everything the site's URLs can point at."""

    subject: User  # the member everyone else looks at: profile, photo, milestone, endorsements
    member: User
    board_without_mfa: User
    board_mfa_not_passed: User
    board: User
    board_secret: str
    operator: User
    operator_secret: str
    characteristic: SensitiveCharacteristic
    category: MembershipCategory
    milestone: CareerMilestone
    nominated: Application  # put forward by the subject; waiting for a decision
    endorsed: Application  # endorsed by the subject; waiting for a decision
    asked_for_more: Application  # the board asked its applicant for more information
    invitation: Invitation
    invitation_token: str
    withdraw_token: str
    more_info_token: str
    unsubscribe_token: str
    confirm_email_key: str
    event: Event  # published, coming up; the subject has a place, the member none yet
    library: Event  # a living library: the subject reads as a book, the member booked them
    book: Book
    booking: Booking
    past_event: Event  # held; the member came and may give feedback
    feed_token: str  # the member's calendar feed link
    # The member mentors the subject: a check-in held, and the "is this working?" question due.
    mentoring_pairing: Pairing
    incoming_request: MentoringRequest  # a board member (without MFA) asks the member
    open_round: MatchingRound  # a matching round the member can join
    guidelines_draft: GuidelinesVersion  # the next version, not yet published
    # The member's concern about another member, waiting for the board; and a warning given on
    # another concern, appealed by the member warned.
    report: Report
    appeal: Appeal
    appeal_token: str  # the appeal link of the warning not yet appealed
    space: Space  # for every member
    topic: Topic  # started by the subject in the space
    reply: Post  # the member's reply to the topic
    document: Attachment  # a PDF on the member's reply
    admin_objects: dict[type[models.Model], models.Model]

    def user_for(self, role: Role) -> User | None:
        return {
            Role.MEMBER: self.member,
            Role.BOARD_WITHOUT_MFA: self.board_without_mfa,
            Role.BOARD_MFA_NOT_PASSED: self.board_mfa_not_passed,
            Role.BOARD_WITH_MFA: self.board,
            Role.OPERATOR: self.operator,
        }.get(role)


def _token_of(link: str) -> str:
    return urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1]


def build_demo() -> Demo:
    """Make the demo network. Call inside a transaction the caller rolls back."""
    network = NetworkSettings.load()
    category, _ = MembershipCategory.objects.get_or_create(settings=network, name="Ally")
    characteristic = SensitiveCharacteristic.objects.create(
        settings=network, name="Sexual orientation"
    )

    subject = MemberFactory(name="Siobhan Kelly", email="siobhan@example.org")
    profile = Profile.objects.get(user=subject)
    profile.job_title, profile.organisation = "Chief Nurse", "Leeds Teaching Hospitals"
    profile.bio = "Mentors ward managers towards board roles."
    profile.mentoring_status, profile.mentoring_capacity = MentoringStatus.ACCEPTING, 2
    profile.mentoring_topics = "board governance"
    profile.category = category
    profile.save()
    members.set_photo(profile=profile, photo=prepare_photo(jpeg()))
    milestone = CareerMilestone.objects.create(
        profile=profile, achieved_on=date(2025, 3, 31), description="Appointed to a trust board"
    )
    members.give_sensitive_consent(user=subject)
    members.save_self_descriptions(
        profile=profile, entries={characteristic.pk: ("Bisexual", Visibility.MEMBERS)}
    )

    member = MemberFactory(name="Amara Okafor", email="amara@example.org")
    board_without_mfa = BoardMemberFactory(name="Tom Baker", email="tom@example.org")
    board_mfa_not_passed = BoardMemberFactory(name="Nia Brown", email="nia@example.org")
    enable_totp(board_mfa_not_passed)
    board = BoardMemberFactory(name="Priya Shah", email="priya@example.org")
    board_secret = enable_totp(board)
    operator = MemberFactory(name="Olu Adebayo", email="operator@example.org")
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])
    operator_secret = enable_totp(operator)

    nominated = invitations.nominate(
        nominator=subject, data=application_data(name="Grace Adeyemi", email="grace@example.org")
    )
    assert nominated is not None
    endorsed = ApplicationFactory(name="Femi Ade", email="femi@example.org")
    for application in (nominated, endorsed):
        invitations.open_for_endorsement(application_id=application.pk, by=board)
    invitations.endorse(application_id=endorsed.pk, member=subject, text="A generous mentor.")
    asked_for_more = ApplicationFactory(name="Ravi Patel", email="ravi@example.org")
    invitations.decide(
        application_id=asked_for_more.pk,
        board_member=board,
        verdict="more_info",
        reason="Tell us about your current mentees.",
    )
    approved = ApplicationFactory(name="Chen Wei", email="chen@example.org")
    invitations.decide(application_id=approved.pk, board_member=board, verdict="approve")
    invitation = Invitation.objects.get(application=approved)

    event = published_event(title="Leading through winter pressures", join_link=JOIN_LINK)
    events.register(event_id=event.pk, member=subject, access_needs="A step-free route, please")
    profile.living_library_topics = "Coming out at work in the NHS"
    profile.save()
    library_event = living_library(title="Living library: our stories")
    book = events_library.offer_book(
        event_id=library_event.pk, member=subject, title="Out at fifty", blurb="Ask me anything."
    )
    events.register(event_id=library_event.pk, member=member)
    booking = events_library.book_conversation(
        book_id=book.pk, reader=member, starts_at=library_event.starts_at
    )
    past_event = published_event(
        title="Chairing a board well",
        starts_at=timezone.now() - timedelta(days=10),
        status=Event.Status.HELD,
    )
    Registration.objects.create(
        event=past_event,
        member=member,
        status=Registration.Status.CONFIRMED,
        attendance=Registration.Attendance.ATTENDED,
    )

    # Mentoring on the board site: the member waits in a round under review, with the subject
    # proposed as their mentor; the subject mentors the board member, and has a request waiting.
    Profile.objects.filter(user=member).update(mentoring_goals="A board seat within two years.")
    matching_round = mentoring_rounds.open_round(title="Spring round", by=board)
    mentoring_rounds.add_to_round(round_id=matching_round.pk, mentee_id=member.pk, by=board)
    mentoring_rounds.run_matching(round_id=matching_round.pk, by=board)
    started = timezone.localdate() - timedelta(days=30)
    pairing = Pairing.objects.create(
        mentor=subject,
        mentee=board,
        status=Pairing.Status.ACTIVE,
        origin=Pairing.Origin.REQUEST,
        mentor_agreed_at=timezone.now(),
        mentee_agreed_at=timezone.now(),
        started_on=started,
        ends_on=started + timedelta(days=182),
    )
    CheckIn.objects.create(pairing=pairing, held_on=started, format="video", notes="First talk")
    mentoring_request = MentoringRequest.objects.create(
        mentee=board_mfa_not_passed, mentor=subject, note="Could you help me prepare?"
    )

    # Mentoring on the members' pages: the member offers mentoring on the board's topics, is
    # asked by a board member, mentors the subject (they have met once and the "is this
    # working?" question is due), and can join a round still taking mentees.
    governance, finance = (
        MentoringTopic.objects.get_or_create(settings=network, name=name)[0]
        for name in ("Board governance", "Finance for non-finance leaders")
    )
    member_profile = Profile.objects.get(user=member)
    member_profile.mentoring_status = MentoringStatus.ACCEPTING
    member_profile.mentoring_capacity = 3
    member_profile.mentoring_formats = ["video", "in_person"]
    member_profile.save()
    member_profile.offered_topics.set([governance, finance])
    member_profile.wanted_topics.set([governance])
    profile.offered_topics.set([governance])
    incoming_request = mentoring.ask(
        mentee=board_without_mfa, mentor_id=member.pk, note="Could you help me with finance?"
    )
    # Made as it stands five weeks after the member accepted (the mail of that day long sent).
    began = timezone.localdate() - timedelta(weeks=5)
    mentoring_pairing = Pairing.objects.create(
        mentor=member,
        mentee=subject,
        status=Pairing.Status.ACTIVE,
        origin=Pairing.Origin.REQUEST,
        mentor_agreed_at=timezone.now() - timedelta(weeks=5),
        mentee_agreed_at=timezone.now() - timedelta(weeks=5),
        agreed_goals="Ready to chair an audit committee.",
        started_on=began,
        ends_on=began + timedelta(days=182),
    )
    mentoring.record_check_in(
        pairing_id=mentoring_pairing.pk,
        member=member,
        held_on=began + timedelta(weeks=1),
        format="video",
        notes="We read a board pack together.",
    )
    open_round = mentoring_rounds.open_round(title="Autumn round", by=board)

    # The guidelines in force, and the board's draft of the next version.
    guidelines_now = GuidelinesVersion.objects.published().first() or board_guidelines.publish(
        version=board_guidelines.save_draft(
            draft=GuidelinesVersion(
                version=network.guidelines_version, body="## Respect", change_summary="First."
            ),
            actor=board,
        ),
        actor=board,
    )
    guidelines_draft = board_guidelines.save_draft(
        draft=GuidelinesVersion(
            version="2099-01", body="## Respect\n\nBe kind.", change_summary="Kinder words."
        ),
        actor=board,
    )

    # Conduct: the member raises a concern the board has not decided; on two others the board
    # warned someone, one of whom appealed while the other still may. The people concerned are
    # outside the rest of the demo, so mentoring's keeping apart changes nothing above.
    report = board_reports.report_concern(
        reporter=member,
        subject=Report.Subject.MEMBER,
        member=MemberFactory(name="Kit Marlowe", email="kit@example.org"),
        reason=Report.Reason.HARASSMENT,
        details="He kept messaging me after I asked him to stop.",
    )
    dev = MemberFactory(name="Dev Sharma", email="dev@example.org")
    warning = board_reports.resolve(
        report=board_reports.report_concern(
            reporter=dev,
            subject=Report.Subject.MEMBER,
            member=MemberFactory(name="Jess Warner", email="jess@example.org"),
            reason=Report.Reason.SELLING,
            details="She sells coaching to every new member.",
        ),
        board_member=board,
        outcome="warning",
        reason="Selling to members goes against the guidelines.",
    )
    appeal = board_reports.appeal(
        resolution=warning, member=warning.report.member, text="I only answered questions."
    )
    may_appeal = board_reports.resolve(
        report=board_reports.report_concern(
            reporter=dev,
            subject=Report.Subject.MEMBER,
            member=MemberFactory(name="Lee Chan", email="lee@example.org"),
            reason=Report.Reason.OTHER,
            details="He signs up for every event and never comes.",
        ),
        board_member=board,
        outcome="warning",
        reason="Give up places you cannot use.",
    )

    # Discussions: a space for every member, where the subject started a topic the member
    # answered; the member's reply is theirs to edit or remove.
    space = Space.objects.create(
        name="Board readiness", slug="board-readiness", description="Interviews and board papers."
    )
    topic = discussions.start_topic(
        author=subject,
        space=space,
        title="Preparing for a board interview",
        body="What did the panel ask that you **did not expect**?",
    )
    reply = discussions.reply(author=member, topic=topic, body="How I would challenge the chief.")
    document = discussions_resources.add_document(
        member=member,
        post=reply,
        upload=SimpleUploadedFile("Questions.pdf", sample_pdf("Questions the panel asked")),
    )

    unconfirmed = EmailAddress.objects.create(
        user=subject, email="siobhan.new@example.org", verified=False, primary=False
    )
    admin_objects: dict[type[models.Model], models.Model] = {
        User: subject,
        Group: Group.objects.get(name=BOARD_GROUP),
        EmailAddress: EmailAddress.objects.get(user=subject, primary=True),
        Authenticator: Authenticator.objects.get(user=board),
        NetworkSettings: NetworkSettings.objects.get(),
        OutboundEmail: OutboundEmail.objects.filter(to_email=nominated.email).first(),
        Application: nominated,
        Invitation: invitation,
        MatchingRound: matching_round,
        Pairing: pairing,
        MentoringRequest: mentoring_request,
        Report: report,
        Appeal: appeal,
        GuidelinesVersion: guidelines_now,
        Space: space,
        Topic: topic,
        Post: reply,
    }
    return Demo(
        subject=subject,
        member=member,
        board_without_mfa=board_without_mfa,
        board_mfa_not_passed=board_mfa_not_passed,
        board=board,
        board_secret=board_secret,
        operator=operator,
        operator_secret=operator_secret,
        characteristic=characteristic,
        category=category,
        milestone=milestone,
        nominated=nominated,
        endorsed=endorsed,
        asked_for_more=asked_for_more,
        invitation=invitation,
        invitation_token=invitation.token(),
        withdraw_token=_token_of(invitations.application_link(nominated, "invitations:withdraw")),
        more_info_token=_token_of(
            invitations.application_link(asked_for_more, "invitations:more_info")
        ),
        unsubscribe_token=_token_of(mail.unsubscribe_url(member.email, EmailCategory.EVENTS)),
        confirm_email_key=EmailConfirmationHMAC(unconfirmed).key,
        event=event,
        library=library_event,
        book=book,
        booking=booking,
        past_event=past_event,
        feed_token=event_feeds.new_feed_link(member=member),
        mentoring_pairing=mentoring_pairing,
        incoming_request=incoming_request,
        open_round=open_round,
        guidelines_draft=guidelines_draft,
        report=report,
        appeal=appeal,
        appeal_token=board_reports.appeal_token(may_appeal),
        space=space,
        topic=topic,
        reply=reply,
        document=document,
        admin_objects=admin_objects,
    )


# ---------------------------------------------------------------------------------------------
# Filling in path parameters


@dataclass(frozen=True)
class Secret:
    """A link the network emails to one person: only someone who was sent it holds it."""

    read: Callable[[Demo], str]


Value = Callable[[Demo], object] | Secret

# (URL name or None for any URL, parameter) -> where the value comes from.
PARAMETERS: dict[tuple[str | None, str], Value] = {
    ("unsubscribe", "token"): Secret(lambda d: d.unsubscribe_token),
    ("invitations:accept", "token"): Secret(lambda d: d.invitation_token),
    ("invitations:withdraw", "token"): Secret(lambda d: d.withdraw_token),
    ("invitations:more_info", "token"): Secret(lambda d: d.more_info_token),
    ("account_confirm_email", "key"): Secret(lambda d: d.confirm_email_key),
    ("account_reset_password_from_key", "uidb36"): lambda d: user_pk_to_url_str(d.member),
    # Made when used: signing in changes what the reset token is made from.
    ("account_reset_password_from_key", "key"): Secret(
        lambda d: default_token_generator.make_token(User.objects.get(pk=d.member.pk))
    ),
    ("members:profile", "pk"): lambda d: d.subject.pk,
    ("members:photo", "pk"): lambda d: d.subject.pk,
    ("members:remove_milestone", "pk"): lambda d: d.milestone.pk,
    # The living library is the fullest event page: books, conversations and bookings.
    ("events:detail", "pk"): lambda d: d.library.pk,
    ("events:register", "pk"): lambda d: d.event.pk,
    ("events:cancel", "pk"): lambda d: d.event.pk,
    ("events:confirm_offer", "pk"): lambda d: d.event.pk,
    ("events:feedback", "pk"): lambda d: d.past_event.pk,
    ("events:offer_book", "pk"): lambda d: d.library.pk,
    ("events:withdraw_book", "pk"): lambda d: d.book.pk,
    ("events:book_conversation", "pk"): lambda d: d.book.pk,
    ("events:cancel_booking", "pk"): lambda d: d.booking.pk,
    ("events:feed", "token"): Secret(lambda d: d.feed_token),
    # The board's pages for an event: the coming one, the held one, the living library.
    ("admin:events_event_publish", "pk"): lambda d: d.event.pk,
    ("admin:events_event_copy", "pk"): lambda d: d.event.pk,
    ("admin:events_event_cancel", "pk"): lambda d: d.event.pk,
    ("admin:events_event_attendance", "pk"): lambda d: d.past_event.pk,
    ("admin:events_event_feedback", "pk"): lambda d: d.past_event.pk,
    ("admin:events_event_library", "pk"): lambda d: d.library.pk,
    ("admin:events_event_confirm_library", "pk"): lambda d: d.library.pk,
    ("admin:events_registration_clear_no_show", "pk"): lambda d: (
        d.past_event.registrations.get(member=d.member).pk
    ),
    # The board's mentoring pages: the demo's round under review, its mentee, and a pairing.
    **{
        (f"admin:mentoring_matchinground_{action}", "pk"): lambda d: (
            d.admin_objects[MatchingRound].pk
        )
        for action in ("run", "publish", "add_mentee", "swap", "remove")
    },
    ("admin:mentoring_matchinground_swap", "mentee_pk"): lambda d: d.member.pk,
    ("admin:mentoring_matchinground_remove", "mentee_pk"): lambda d: d.member.pk,
    ("admin:mentoring_pairing_end", "pk"): lambda d: d.admin_objects[Pairing].pk,
    # Members' mentoring pages: the subject to ask, the member's request to answer and their
    # pairing with the subject, the round taking mentees.
    ("mentoring:ask", "pk"): lambda d: d.subject.pk,
    **{
        (f"mentoring:{name}", "pk"): lambda d: d.incoming_request.pk
        for name in (
            "request",
            "withdraw_request",
            "accept_request",
            "decline_request",
            "ask_question",
            "answer_question",
        )
    },
    **{
        (f"mentoring:{name}", "pk"): lambda d: d.mentoring_pairing.pk
        for name in (
            "pairing",
            "agree",
            "decline_pairing",
            "check_in",
            "fit",
            "end_pairing",
            "extend",
            "close_out",
        )
    },
    ("mentoring:join_round", "pk"): lambda d: d.open_round.pk,
    # Discussions: the demo's space and topic, and the member's own reply.
    ("discussions:space", "slug"): lambda d: d.space.slug,
    ("discussions:new_topic", "slug"): lambda d: d.space.slug,
    ("discussions:topic", "pk"): lambda d: d.topic.pk,
    ("discussions:reply", "pk"): lambda d: d.topic.pk,
    ("discussions:edit_post", "pk"): lambda d: d.reply.pk,
    ("discussions:remove_post", "pk"): lambda d: d.reply.pk,
    ("discussions:follow_space", "slug"): lambda d: d.space.slug,
    ("discussions:unfollow_space", "slug"): lambda d: d.space.slug,
    ("discussions:follow_topic", "pk"): lambda d: d.topic.pk,
    ("discussions:unfollow_topic", "pk"): lambda d: d.topic.pk,
    ("discussions:add_document", "pk"): lambda d: d.reply.pk,
    ("discussions:document", "pk"): lambda d: d.document.pk,
    ("discussions:remove_document", "pk"): lambda d: d.document.pk,
    ("discussions:resource", "pk"): lambda d: d.topic.pk,
    ("invitations:endorse", "pk"): lambda d: d.nominated.pk,
    # Conduct: a concern about the subject or the coming event; the board's pages for the
    # member's open concern and the appeal; the appeal link is emailed to the member warned.
    ("board:report_member", "pk"): lambda d: d.subject.pk,
    ("board:report_event", "pk"): lambda d: d.event.pk,
    ("board:report_post", "pk"): lambda d: d.topic.posts.order_by("pk")[0].pk,
    ("admin:board_report_escalate", "post_pk"): lambda d: d.reply.pk,
    ("board:appeal", "token"): Secret(lambda d: d.appeal_token),
    ("admin:board_report_decide", "pk"): lambda d: d.report.pk,
    ("admin:board_report_conflict", "pk"): lambda d: d.report.pk,
    ("admin:board_appeal_decide", "pk"): lambda d: d.appeal.pk,
    ("guidelines_version", "version"): lambda d: d.admin_objects[GuidelinesVersion].version,
    ("admin:board_guidelinesversion_publish", "pk"): lambda d: d.guidelines_draft.pk,
    ("admin:invitations_application_decide", "pk"): lambda d: d.nominated.pk,
    ("admin:invitations_application_conflict", "pk"): lambda d: d.nominated.pk,
    # No passkeys in the demo: someone else's authenticator is what a prying visitor would try.
    ("mfa_remove_webauthn", "pk"): lambda d: Authenticator.objects.get(user=d.board).pk,
    ("mfa_edit_webauthn", "pk"): lambda d: Authenticator.objects.get(user=d.board).pk,
    ("admin:auth_user_password_change", "id"): lambda d: d.subject.pk,
    ("admin:view_on_site", "content_type_id"): lambda d: ContentType.objects.get_for_model(User).pk,
    ("admin:view_on_site", "object_id"): lambda d: d.subject.pk,
    # The board site's catch-all, which answers for anything under /board/ nothing else matched.
    (None, "url"): lambda d: "no-such-page/",
}


def params_for(route: SiteRoute, role: Role, demo: Demo) -> dict[str, str]:
    """Path parameters for this route as this role would have them."""
    values: dict[str, str] = {}
    for param in route.params:
        if param in route.variant:
            continue
        if param == "object_id" and (model := admin_model_for(route)) is not None:
            values[param] = str(_admin_object(model, demo).pk)
            continue
        source = PARAMETERS.get((route.name or route.key, param)) or PARAMETERS.get((None, param))
        if source is None:
            pytest.fail(
                f"{route.key} needs a value for <{param}>: add one to PARAMETERS in "
                "tests/site/sitemap.py"
            )
        if isinstance(source, Secret):
            # A passer-by has no link of their own, so they try one that was never sent.
            values[param] = FORGED_LINK if role == Role.ANONYMOUS else source.read(demo)
        else:
            values[param] = str(source(demo))
    return values


def _admin_object(model: type[models.Model], demo: Demo) -> models.Model:
    found = demo.admin_objects.get(model) or model._default_manager.order_by("pk").first()
    if found is None:
        pytest.fail(
            f"The demo network has no {model._meta.label}: make one in build_demo() "
            "(tests/site/sitemap.py) so its board pages can be visited"
        )
    return found


# ---------------------------------------------------------------------------------------------
# Signing in


def wait_for_a_fresh_code_period(period: int = 30, margin: float = 2.0) -> None:
    """Codes change every `period` seconds and allauth allows no drift: never use a dying one."""
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.1)


def sign_in_with_password_and_code(client: Client, user: User, secret: str) -> None:
    """The real two-step sign-in: password on the sign-in page, then the authenticator code."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("mfa_authenticate"), response["Location"]
    wait_for_a_fresh_code_period()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.session["_auth_user_id"] == str(user.pk)


def client_for(role: Role, demo: Demo) -> Client:
    client = Client()
    user = demo.user_for(role)
    if role in (Role.BOARD_WITH_MFA, Role.OPERATOR):
        secret = demo.board_secret if role == Role.BOARD_WITH_MFA else demo.operator_secret
        assert user is not None
        sign_in_with_password_and_code(client, user, secret)
    elif user is not None:
        client.force_login(user)
    return client


def body_of(response: HttpResponseBase) -> bytes:
    """The whole body, streamed or not.

    The test client closes a streamed response (and any file behind it) once it is read to the
    end; closing it again here would tell Django the request finished, which closes the
    database connection in the middle of the test's transaction.
    """
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def visit(client: Client, path: str) -> tuple[HttpResponseBase, bytes]:
    """GET a page, then forget everything the visit did, in the database and in the cookies.

    Opening someone else's confirmation or reset link signs the visitor out, and a crawl goes on
    with the same signed-in client afterwards.
    """
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = client.get(path)
            body = body_of(response)
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response, body
