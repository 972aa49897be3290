"""A member's hidden words never reach anyone they did not choose, anywhere on the site.

One member writes a unique marker into every text field of their profile, a career milestone
and a self-description, and hides them all ("only me", then "programme board only"); shown to
the board, the marker also goes into what they told an event they need to take part, which only
the board may ever see. Everyone else then opens every page the site has (the URL matrix's
enumeration), searches and filters the directory for it, downloads their own data, and reads
every email the network has queued. The marker must not turn up. The fields come from the
model and the audiences from the privacy registry, so a new field or part is covered without a
new line here.

A mentoring check-in's notes are the pair's alone: a marker written in one must show on no page
anyone else reaches (the board's and the operator's included), in no email, in no one else's
download, and, for the pair themselves, nowhere but their pairing page and their own downloads.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_filters import BooleanFilter, ModelChoiceFilter

from events.models import Registration
from members.filters import DirectoryFilter
from members.models import CareerMilestone, MentoringStatus, Profile, SelfDescription
from members.privacy import PARTS, Visibility
from mentoring import services as mentoring
from mentoring.models import CheckIn, Pairing
from network.mail import render_email
from network.models import OutboundEmail
from tests.factories import MemberFactory
from tests.site.sitemap import (
    ROLES,
    Demo,
    Role,
    admin_model_for,
    params_for,
    site_routes,
    visit,
)

pytestmark = pytest.mark.django_db

MARKER = "MARKER-ONLYME-7f3a"
# Shown to every member whatever they choose: the name is how the directory lists people.
ALWAYS_SHOWN = {"display_name"}


@dataclass(frozen=True)
class Marked:
    """Where the marker went: the place, and the exact words written there."""

    markers: dict[str, str]
    name: str  # the marked member's name, to tell whether a search or filter found them


def text_fields() -> list[models.Field]:
    """Every text field on a profile a member writes freely (not a choice from a list)."""
    return [
        field
        for field in Profile._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and field.editable
        and not field.choices
        and field.name not in ALWAYS_SHOWN
    ]


def mark(demo: Demo, audience: str) -> Marked:
    """Write the marker everywhere the subject can, and show all of it to `audience` only."""
    profile = Profile.objects.get(user=demo.subject)
    markers: dict[str, str] = {}
    for field in text_fields():
        words = f"{MARKER}-{field.name}"
        # Links must read as web addresses for the site to keep them.
        value = f"https://example.org/{words}" if field.name == "links" else words
        setattr(profile, field.name, value[: field.max_length] if field.max_length else value)
        markers[f"profile.{field.name}"] = words
    for field in Profile._meta.concrete_fields:
        if field.choices and field.editable:
            # Values chosen from a list cannot carry the marker; the directory filters test them.
            setattr(profile, field.name, field.choices[0][0])
    profile.mentoring_status, profile.mentoring_capacity = MentoringStatus.ACCEPTING, 2
    profile.visibility = {part.key: audience for part in PARTS}
    profile.save()
    CareerMilestone.objects.filter(profile=profile).update(description=f"{MARKER}-milestone")
    markers["milestone"] = f"{MARKER}-milestone"
    SelfDescription.objects.filter(profile=profile).update(
        description=f"{MARKER}-self-description", visibility=audience
    )
    markers["self-description"] = f"{MARKER}-self-description"
    profile.save()  # the search document follows the self-descriptions
    if audience == Visibility.BOARD:
        # What a member needs to take part in an event is for the programme board only, always.
        Registration.objects.filter(member=demo.subject).update(
            access_needs=f"{MARKER}-access-needs"
        )
        markers["access-needs"] = f"{MARKER}-access-needs"
    return Marked(markers=markers, name=profile.display_name)


def directory_searches(marked: Marked) -> list[str]:
    """The directory searched for each marker, and filtered by each of the subject's values."""
    urls = [
        f"{reverse('members:directory')}?{urlencode({'q': words})}"
        for words in [MARKER, *marked.markers.values()]
    ]
    return urls


def directory_filters(demo: Demo) -> list[str]:
    """The directory filtered by each of the subject's own hidden values, one filter at a time."""
    profile = Profile.objects.get(user=demo.subject)
    urls = []
    for name, found in DirectoryFilter.base_filters.items():
        if name == "q":
            continue
        if isinstance(found, BooleanFilter):
            value: object = "on"
        elif isinstance(found, ModelChoiceFilter):
            value = getattr(getattr(profile, name, None), "pk", None)
        else:
            value = getattr(profile, name, None)
        if value:
            urls.append(f"{reverse('members:directory')}?{urlencode({name: value})}")
    return urls


def pages_for(role: Role, demo: Demo) -> list[str]:
    """Every page of the site as this role reaches it, and the board's pages about every
    application the subject nominated or endorsed (where their mentoring record shows)."""
    paths = [route.path(params_for(route, role, demo)) for route in site_routes()]
    for application in (demo.nominated, demo.endorsed):
        paths.append(reverse("admin:invitations_application_change", args=[application.pk]))
        paths.append(reverse("admin:invitations_application_decide", args=[application.pk]))
    # Every event the subject registered for, where their access needs are kept.
    for event_id in Registration.objects.filter(member=demo.subject).values_list(
        "event", flat=True
    ):
        paths.append(reverse("events:detail", args=[event_id]))
    return paths


def leaks_in(text: str, marked: Marked) -> list[str]:
    lowered = text.lower()
    if MARKER.lower() not in lowered:
        return []
    found = [place for place, words in marked.markers.items() if words.lower() in lowered]
    return found or ["(the marker, cut short)"]


def crawl(client: Client, role: Role, demo: Demo, marked: Marked) -> list[str]:
    """Everything this role can reach that shows any of the marker, or finds the subject by it."""
    problems = []
    for path in pages_for(role, demo):
        response, body = visit(client, path)
        if found := leaks_in(body.decode(errors="replace"), marked):
            problems.append(f"GET {path} ({response.status_code}) shows {', '.join(found)}")
    for path in directory_searches(marked) + directory_filters(demo):
        response, body = visit(client, path)
        # The search box repeats what was searched for; only a result would be a leak.
        page = body.decode(errors="replace")
        if response.status_code == 200 and marked.name in page:
            problems.append(f"GET {path} finds {marked.name} by a hidden value")
    photo = reverse("members:photo", args=[demo.subject.pk])
    response, _ = visit(client, photo)
    if response.status_code == 200:
        problems.append(f"GET {photo} serves the hidden photo")
    return problems


def emails_showing(marked: Marked, demo: Demo) -> list[str]:
    """Every message the network has queued, rendered as it would be sent, except the subject's
    own (they may be told their own words)."""
    problems = []
    for email in OutboundEmail.objects.exclude(to_email__iexact=demo.subject.email):
        message = render_email(email)
        rendered = "\n".join(
            [message.subject, str(message.body)]
            + [str(content) for content, _ in getattr(message, "alternatives", [])]
        )
        if found := leaks_in(rendered, marked):
            problems.append(f"email {email.template} to {email.to_email} shows {', '.join(found)}")
    return problems


# Who must never see what the subject showed only to each audience.
MUST_NOT_SEE = {
    Visibility.ONLY_ME: [
        Role.ANONYMOUS,
        Role.APPLICANT,
        Role.MEMBER,
        Role.BOARD_WITHOUT_MFA,
        Role.BOARD_MFA_NOT_PASSED,
        Role.BOARD_WITH_MFA,
        Role.OPERATOR,
    ],
    # The board's view opens only in a session that passed two-factor authentication.
    Visibility.BOARD: [
        Role.ANONYMOUS,
        Role.APPLICANT,
        Role.MEMBER,
        Role.BOARD_WITHOUT_MFA,
        Role.BOARD_MFA_NOT_PASSED,
    ],
}
CASES = [(audience, role) for audience, roles in MUST_NOT_SEE.items() for role in roles]


@pytest.mark.parametrize(("audience", "role"), CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_hidden_words_reach_no_one_outside_their_audience(
    audience: str, role: Role, demo: Demo, clients: dict[Role, Client]
) -> None:
    marked = mark(demo, audience)
    problems = crawl(clients[role], role, demo, marked)
    assert not problems, f"shown {audience}, but {role} sees it:\n" + "\n".join(problems)


@pytest.mark.parametrize("audience", list(MUST_NOT_SEE), ids=str)
def test_no_email_to_anyone_else_carries_hidden_words(audience: str, demo: Demo) -> None:
    marked = mark(demo, audience)
    problems = emails_showing(marked, demo)
    assert not problems, "\n".join(problems)


def test_the_member_sees_all_their_own_hidden_words(demo: Demo) -> None:
    """The control: the marker is there to be found where it is allowed, so its absence
    elsewhere means something."""
    marked = mark(demo, Visibility.ONLY_ME)
    owner = Client()
    owner.force_login(demo.subject)
    _, page = visit(owner, reverse("members:profile", args=[demo.subject.pk]))
    assert leaks_in(page.decode(), marked), "the owner's own profile page shows none of it"
    _, export = visit(owner, reverse("members:download_my_data"))
    missing = [place for place, words in marked.markers.items() if words not in export.decode()]
    assert not missing, f"the owner's own download leaves out {missing}"


def test_the_board_with_mfa_sees_what_was_shown_to_the_board(
    demo: Demo, clients: dict[Role, Client]
) -> None:
    marked = mark(demo, Visibility.BOARD)
    _, page = visit(
        clients[Role.BOARD_WITH_MFA], reverse("members:profile", args=[demo.subject.pk])
    )
    assert leaks_in(page.decode(), marked), "the board's verified view shows none of it"
    registration = Registration.objects.filter(member=demo.subject).first()
    assert registration is not None
    _, record = visit(
        clients[Role.BOARD_WITH_MFA],
        reverse("admin:events_registration_change", args=[registration.pk]),
    )
    assert "access-needs" in leaks_in(record.decode(), marked), "the board cannot see access needs"


# ---------------------------------------------------------------------------------------------
# Check-in notes: the pair's alone


CHECK_IN_MARKER = f"{MARKER}-check-in"
# The only places a check-in's notes may show: the pair's own pairing page and their downloads.
PAIR_ONLY = {"mentoring:pairing", "members:download_my_data"}


@dataclass(frozen=True)
class MarkedPairing:
    pairing: Pairing
    check_in: CheckIn


def mark_check_in(demo: Demo) -> MarkedPairing:
    """A pairing of the subject's, five weeks in, whose mentee wrote the marker in a check-in;
    then everything mentoring mails about a pairing is queued for it."""
    mentee = MemberFactory(name="Joanne Fraser", email="joanne@example.org")
    started = timezone.localdate() - timedelta(weeks=5)
    pairing = Pairing.objects.create(
        mentor=demo.subject,
        mentee=mentee,
        status=Pairing.Status.ACTIVE,
        origin=Pairing.Origin.REQUEST,
        mentor_agreed_at=timezone.now(),
        mentee_agreed_at=timezone.now(),
        started_on=started,
        ends_on=started + timedelta(days=182),
        agreed_goals="A board seat within two years.",
    )
    check_in = mentoring.record_check_in(
        pairing_id=pairing.pk,
        member=mentee,
        held_on=started + timedelta(days=3),
        format="video",
        notes=f"We talked about {CHECK_IN_MARKER} and next steps.",
    )
    later = timezone.now() + timedelta(weeks=10)
    mentoring.ask_fit_questions(now=later)
    mentoring.remind_check_ins(now=later)
    mentoring.ask_to_extend(pairing_id=pairing.pk, member=mentee)
    return MarkedPairing(pairing=pairing, check_in=check_in)


def marked_pairing_pages(marked: MarkedPairing) -> dict[str, str]:
    """Every page about the marked pairing or its check-in, on the site and the board site, by
    route name."""
    pages = {}
    for route in site_routes():
        model = admin_model_for(route)
        if model in (Pairing, CheckIn):
            record = marked.pairing if model is Pairing else marked.check_in
            values = {param: str(record.pk) for param in route.params}
        elif (route.name or "").startswith("mentoring:") and route.route.startswith(
            "mentoring/pairings/"
        ):
            values = {"pk": str(marked.pairing.pk)}
        else:
            continue
        if set(route.params) <= set(values):
            pages[route.key] = route.path(values)
    return pages


def pages_showing(client: Client, paths: list[str], words: str, what: str) -> list[str]:
    """The pages among `paths` that show `words`, as problems naming `what` they show."""
    problems = []
    for path in paths:
        response, body = visit(client, path)
        if words.lower() in body.decode(errors="replace").lower():
            problems.append(f"GET {path} ({response.status_code}) shows {what}")
    return problems


def check_in_leaks(client: Client, paths: list[str]) -> list[str]:
    return pages_showing(client, paths, CHECK_IN_MARKER, "the check-in's notes")


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_check_in_notes_reach_no_one_outside_the_pair(
    role: Role, demo: Demo, clients: dict[Role, Client]
) -> None:
    marked = mark_check_in(demo)
    paths = pages_for(role, demo) + list(marked_pairing_pages(marked).values())
    problems = check_in_leaks(clients[role], paths)
    assert not problems, f"{role} sees the pair's notes:\n" + "\n".join(problems)


def test_check_in_notes_show_nowhere_else_for_the_pair_themselves(demo: Demo) -> None:
    marked = mark_check_in(demo)
    pages = marked_pairing_pages(marked)
    for member in (marked.pairing.mentor, marked.pairing.mentee):
        client = Client()
        client.force_login(member)
        paths = [
            route.path(params_for(route, Role.MEMBER, demo))
            for route in site_routes()
            if route.key not in PAIR_ONLY
        ] + [path for key, path in pages.items() if key not in PAIR_ONLY]
        problems = check_in_leaks(client, paths)
        assert not problems, f"{member} sees the notes outside the pairing:\n" + "\n".join(problems)


def test_no_email_carries_a_check_ins_notes(demo: Demo) -> None:
    mark_check_in(demo)
    assert OutboundEmail.objects.filter(template__startswith="mentoring/").exists()
    for email in OutboundEmail.objects.all():
        message = render_email(email)
        rendered = "\n".join(
            [message.subject, str(message.body)]
            + [str(content) for content, _ in getattr(message, "alternatives", [])]
        )
        assert CHECK_IN_MARKER not in rendered, f"email {email.template} to {email.to_email}"


def test_the_pair_see_their_check_in_notes_on_their_pairing_page_and_downloads(
    demo: Demo,
) -> None:
    """The control: the notes are there to be found where they belong."""
    marked = mark_check_in(demo)
    # The crawl above reaches the pairing's own pages, the member's and the board's.
    assert {"mentoring:pairing", "mentoring:check_in", "admin:mentoring_pairing_change"} <= set(
        marked_pairing_pages(marked)
    )
    for member in (marked.pairing.mentor, marked.pairing.mentee):
        client = Client()
        client.force_login(member)
        for name in ("mentoring:pairing", "members:download_my_data"):
            path = reverse(name, args=[marked.pairing.pk] if name == "mentoring:pairing" else [])
            _, body = visit(client, path)
            assert CHECK_IN_MARKER in body.decode(), f"{member} cannot see their notes at {path}"
