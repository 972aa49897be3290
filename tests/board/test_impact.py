import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, Feedback, Registration
from invitations.models import Application, Invitation
from members.demo import create_many
from members.models import (
    CareerMilestone,
    CareerStage,
    Profession,
    Profile,
    SelfDescription,
    SensitiveDataConsent,
    User,
)
from members.privacy import Visibility
from mentoring.models import CloseOut, Pairing
from network.models import AuditAction, AuditEvent, NetworkSettings, SensitiveCharacteristic
from tests.factories import PASSWORD, ApplicationFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

QUERY_LIMIT = 20


def page_of(client: Client) -> str:
    response = client.get("/board/impact/")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, slug: str) -> str:
    """The HTML of one figure (from its heading to the next one)."""
    start = page.index(f'id="{slug}"')
    end = page.find('<div class="impact-figure">', start)
    return page[start : end if end > 0 else None]


def cells(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)
    ]


def members(count: int, prefix: str = "crowd") -> list[User]:
    start = User.objects.count()
    create_many(count, password=PASSWORD, start=start, email_prefix=prefix)
    return list(User.objects.filter(email__startswith=prefix).order_by("-pk")[:count])


def applications(count: int, source: str, **fields: object) -> list[Application]:
    return Application.objects.bulk_create(
        ApplicationFactory.build(email=f"{source}{n}@example.org", source=source, **fields)
        for n in range(count)
    )


def test_a_member_who_is_not_on_the_board_cannot_see_the_dashboard_or_download_it(
    client: Client, member: User
) -> None:
    client.force_login(member)
    assert client.get("/board/impact/", follow=True).status_code == 403
    assert client.get("/board/impact.csv", follow=True).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.IMPACT_EXPORTED).exists()


def test_a_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/board/impact/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_board_sees_each_section_with_a_chart_and_its_table(
    client: Client, board_member: User
) -> None:
    sign_in_with_mfa(client, board_member)
    page = page_of(client)
    for heading in ("Onboarding", "Members", "Mentoring", "Events", "Career milestones"):
        assert f">{heading}</h2>" in page
    charts = page.count('<svg class="impact-chart" role="img" aria-labelledby=')
    assert charts >= 10
    assert 'aria-labelledby="chart-funnel-title"' in page
    assert '<title id="chart-funnel-title">From application to joining</title>' in page
    assert "<caption" in page
    assert "Download as CSV" in page
    assert "style=" not in page.split('id="content-main"')[1]


def test_a_small_route_into_the_network_is_hidden_with_the_next_smallest(
    client: Client, board_member: User
) -> None:
    # 30 applications = 25 nominations + 5 expressions of interest: hiding the 5 alone would
    # leave it to be worked out from the total, so the 25 is hidden too.
    applications(5, Application.Source.INTEREST)
    applications(25, Application.Source.NOMINATION)
    sign_in_with_mfa(client, board_member)
    figure = cells(section(page_of(client), "applications"))
    assert figure[figure.index("Expressed interest") + 1] == "fewer than 8"
    assert figure[figure.index("Nominated by a member") + 1] == "not shown"
    assert figure[figure.index("All applications") + 1] == "30"
    assert "25" not in figure and "5" not in figure


def test_the_funnel_and_time_to_decision(client: Client, board_member: User) -> None:
    now = timezone.now()
    approved = applications(
        12,
        Application.Source.INTEREST,
        status=Application.Status.APPROVED,
        created_at=now - timedelta(days=10),
        decided_at=now,
    )
    for application in approved[:9]:
        invitation = Invitation(application=application, email=application.email)
        invitation.new_link(days=14)
        invitation.status = Invitation.Status.ACCEPTED
        invitation.save()
    sign_in_with_mfa(client, board_member)
    page = page_of(client)
    funnel = cells(section(page, "funnel"))
    assert funnel[funnel.index("Approved") + 1] == "12"
    assert funnel[funnel.index("Joined") + 1] == "9"
    assert funnel[funnel.index("Endorsed by a member") + 1] == "0"
    timing = cells(section(page, "decision-time"))
    assert timing[timing.index("Median") + 1] == "10.0 days"
    assert timing[timing.index("Average") + 1] == "10.0 days"


def test_time_to_decision_about_a_few_people_is_not_shown(
    client: Client, board_member: User
) -> None:
    now = timezone.now()
    applications(3, Application.Source.INTEREST, status=Application.Status.REJECTED, decided_at=now)
    sign_in_with_mfa(client, board_member)
    timing = cells(section(page_of(client), "decision-time"))
    assert timing[timing.index("Median") + 1] == "fewer than 8"
    assert "days" not in " ".join(timing)


def test_members_by_profession_count_a_private_profession_as_kept_private(
    client: Client, board_member: User
) -> None:
    crowd = members(20)
    Profile.objects.filter(user__in=crowd).update(profession=Profession.NURSING)
    hiding = Profile.objects.get(user=crowd[0])
    hiding.visibility = {**hiding.visibility, "profession": Visibility.ONLY_ME}
    hiding.save()
    sign_in_with_mfa(client, board_member)
    figure = cells(section(page_of(client), "profession"))
    nursing = figure[figure.index("Nursing") + 1 :]
    private = figure[figure.index("Kept private") + 1 :]
    # 19 nurses; the one who keeps it private, and the board member, are among fewer than 8.
    assert nursing[0] in {"19", "not shown"}
    assert private[0] == "fewer than 8"


def test_self_description_counts_only_members_near_board_level_who_agreed(
    client: Client, board_member: User
) -> None:
    network = NetworkSettings.load()
    orientation = SensitiveCharacteristic.objects.create(
        settings=network, name="Sexual orientation"
    )
    agreed = members(12, prefix="agreed")
    Profile.objects.filter(user__in=agreed).update(career_stage=CareerStage.BOARD)
    SensitiveDataConsent.objects.bulk_create(
        SensitiveDataConsent(user=user, wording_version="1") for user in agreed
    )
    SelfDescription.objects.bulk_create(
        SelfDescription(profile_id=user.pk, characteristic=orientation, description="Gay")
        for user in agreed[:9]
    )
    not_agreed = members(30, prefix="silent")
    Profile.objects.filter(user__in=not_agreed).update(career_stage=CareerStage.EXECUTIVE)
    withdrawn = members(10, prefix="withdrawn")
    Profile.objects.filter(user__in=withdrawn).update(career_stage=CareerStage.BOARD)
    SensitiveDataConsent.objects.bulk_create(
        SensitiveDataConsent(user=user, wording_version="1", withdrawn_at=timezone.now())
        for user in withdrawn
    )
    sign_in_with_mfa(client, board_member)
    page = page_of(client)
    figure = cells(section(page, f"described-{orientation.pk}"))
    # 12 agreed: the 3 who did not describe it are fewer than 8, and the 9 who did would give
    # them away from the total, so the 9 is hidden too.
    assert figure[figure.index("Members at or near board level who agreed") + 1] == "12"
    assert figure[figure.index("Did not") + 1] == "fewer than 8"
    assert figure[figure.index("Described it") + 1] == "not shown"
    assert figure[figure.index("Share who described it") + 1] == "-"
    assert "never read or sorted" in page


def test_milestones_by_year_and_kind(client: Client, board_member: User) -> None:
    crowd = members(20)
    CareerMilestone.objects.bulk_create(
        CareerMilestone(
            profile_id=user.pk,
            achieved_on=date(2025, 4, 1),
            description="Appointed non-executive director",
        )
        for user in crowd[:10]
    )
    CareerMilestone.objects.bulk_create(
        CareerMilestone(
            profile_id=user.pk,
            achieved_on=date(2025, 6, 1),
            description="Promoted to deputy director of nursing",
        )
        for user in crowd[10:19]
    )
    sign_in_with_mfa(client, board_member)
    figure = cells(section(page_of(client), "milestones-by-year"))
    assert figure[figure.index("2025") + 1 : figure.index("2025") + 5] == ["10", "9", "0", "19"]


def test_mentoring_and_events_figures(client: Client, board_member: User) -> None:
    crowd = members(40)
    pairings = Pairing.objects.bulk_create(
        Pairing(
            mentor=crowd[n], mentee=crowd[n + 20], status=Pairing.Status.COMPLETED, origin="request"
        )
        for n in range(10)
    )
    CloseOut.objects.bulk_create(
        CloseOut(pairing=pairing, member=pairing.mentee, goals_met="yes", would_recommend=True)
        for pairing in pairings
    )
    now = timezone.now()
    event = Event.objects.create(
        title="Held",
        description="A held event.",
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-2),
        capacity=100,
        status=Event.Status.HELD,
    )
    Registration.objects.bulk_create(
        Registration(
            event=event,
            member=user,
            status=Registration.Status.CONFIRMED,
            attendance=Registration.Attendance.ATTENDED
            if n < 30
            else Registration.Attendance.NO_SHOW,
        )
        for n, user in enumerate(crowd)
    )
    Feedback.objects.bulk_create(
        Feedback(event=event, member=user, rating=4) for user in crowd[:12]
    )
    sign_in_with_mfa(client, board_member)
    page = page_of(client)
    pairing_cells = cells(section(page, "pairings"))
    assert pairing_cells[pairing_cells.index("Completed") + 1] == "10"
    goals = cells(section(page, "close-out-goals"))
    assert goals[goals.index("Yes") + 1] == "10"
    attendance = cells(section(page, "attendance"))
    assert attendance[attendance.index("Attended") + 1] == "30"
    assert attendance[attendance.index("Did not come") + 1] == "10"
    assert "No-show rate (of places marked attended or not): 25%." in page
    assert "Average rating: 4.0 out of 5." in page


def test_the_csv_download_is_audited_and_holds_no_small_number(
    client: Client, board_member: User
) -> None:
    applications(5, Application.Source.INTEREST)
    applications(25, Application.Source.NOMINATION)
    sign_in_with_mfa(client, board_member)
    response = client.get("/board/impact.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "figure", "row", "column", "value"]
    by_row = {(row[1], row[2]): row[4] for row in rows[1:]}
    assert by_row[("How people came to the network", "Expressed interest")] == "fewer than 8"
    assert by_row[("How people came to the network", "Nominated by a member")] == "not shown"
    assert by_row[("How people came to the network", "All applications")] == "30"
    event = AuditEvent.objects.get(action=AuditAction.IMPACT_EXPORTED)
    assert event.actor == board_member


def grow(count: int) -> None:
    """Members, applications, pairings, places, feedback and milestones, `count` of each kind."""
    crowd = members(count)
    Profile.objects.filter(user__in=crowd[: count // 2]).update(career_stage=CareerStage.BOARD)
    applications(
        count,
        Application.Source.NOMINATION,
        status=Application.Status.APPROVED,
        decided_at=timezone.now(),
    )
    Pairing.objects.bulk_create(
        Pairing(
            mentor=crowd[n],
            mentee=crowd[-n - 1],
            status=Pairing.Status.ACTIVE,
            origin="request",
            started_on=date(2026, 1, 1),
            ends_on=date(2026, 7, 1),
        )
        for n in range(count // 2)
    )
    now = timezone.now()
    event = Event.objects.create(
        title="Held",
        description="A held event.",
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2, hours=-2),
        capacity=count,
        status=Event.Status.HELD,
    )
    Registration.objects.bulk_create(
        Registration(event=event, member=user, status=Registration.Status.CONFIRMED)
        for user in crowd
    )
    Feedback.objects.bulk_create(Feedback(event=event, member=user, rating=3) for user in crowd)
    CareerMilestone.objects.bulk_create(
        CareerMilestone(profile_id=user.pk, achieved_on=date(2024, 1, 1), description="Promoted")
        for user in crowd
    )
    SensitiveDataConsent.objects.bulk_create(
        SensitiveDataConsent(user=user, wording_version="1") for user in crowd
    )
    characteristic = SensitiveCharacteristic.objects.create(
        settings=NetworkSettings.load(), name="Sexual orientation"
    )
    SelfDescription.objects.bulk_create(
        SelfDescription(profile_id=user.pk, characteristic=characteristic, description="Bi")
        for user in crowd[: count // 3]
    )


@pytest.mark.parametrize("path", ["/board/impact/", "/board/impact.csv"])
def test_the_dashboard_needs_the_same_few_queries_at_any_size(
    client: Client, board_member: User, path: str
) -> None:
    sign_in_with_mfa(client, board_member)
    counted = []
    for size in (30, 600):
        grow(size)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1]
    assert counted[1] <= QUERY_LIMIT
