"""The impact dashboard: what the network has done, in figures the board can show its sponsors.

Each figure is a few aggregate queries over the whole network (never a query per member), and
every figure about people passes through small-number suppression (board/suppression.py) before
it reaches a page, a chart or a spreadsheet. A member's part of their profile that they keep to
themselves ("only me") is counted as "kept private", never by its value.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from board.charts import Bar, bar_chart
from board.suppression import (
    Figure,
    Mark,
    suppress_breakdown,
    suppress_figures,
    suppress_table,
)
from events.models import Event, Feedback, Registration
from invitations.models import Application, Endorsement, Invitation
from members.models import (
    CareerMilestone,
    CareerStage,
    MentoringStatus,
    Profession,
    Profile,
    Region,
    SelfDescription,
    SensitiveDataConsent,
)
from members.privacy import Visibility
from mentoring.models import CloseOut, MatchingRound, MentoringRequest, Pairing, RoundEntry
from mentoring.reputation import milestones_after_mentoring
from network.models import AuditAction, NetworkSettings, SensitiveCharacteristic, record
from network.spreadsheets import csv_response

PRIVATE = "private"
PRIVATE_LABEL = "Kept private"
NOT_GIVEN_LABEL = "Not given"
# Career stages at or near board level, for the figure on who chose to describe themselves.
NEAR_BOARD = (CareerStage.EXECUTIVE, CareerStage.BOARD)
# Years joined shown one by one; earlier ones share a column.
YEARS_SHOWN = 5
# Milestones are written in members' own words: these words mark the two kinds the board reports.
BOARD_LEVEL_WORDS = r"(board|director|non-executive|chair|chief|trustee|governor)"
PROMOTION_WORDS = r"(promot|appointed|new role|became)"
# A deputy or an assistant to a board-level post is a step towards it, not the post itself.
BELOW_BOARD_WORDS = r"(deputy|assistant|associate)"


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Figure | str]


def is_hidden(cell: Figure | str) -> bool:
    return isinstance(cell, Figure) and cell.suppressed


@dataclass(frozen=True)
class Table:
    """One figure: a table of counts with its headings, and the chart drawn from it."""

    slug: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[Row]
    chart: SafeString | None = None
    note: str = ""


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    tables: list[Table]
    summary: list[str] = field(default_factory=list)


def charted(table: Table, bars: Iterable[Bar]) -> Table:
    chart = bar_chart(chart_id=f"chart-{table.slug}", title=table.title, bars=list(bars))
    return Table(
        table.slug, table.title, table.row_heading, table.columns, table.rows, chart, table.note
    )


def breakdown_table(
    slug: str,
    title: str,
    row_heading: str,
    labelled: Sequence[tuple[str, int]],
    *,
    threshold: int,
    total_label: str = "Total",
    column: str = "People",
    note: str = "",
    hide_total: bool = False,
) -> Table:
    """Parts of a whole with their total: a table, and a chart of the parts."""
    suppressed = suppress_breakdown(
        [count for _, count in labelled], threshold=threshold, hide_total=hide_total
    )
    rows = [
        Row(label, [figure]) for (label, _), figure in zip(labelled, suppressed.parts, strict=True)
    ]
    table = Table(
        slug, title, row_heading, [column], [*rows, Row(total_label, [suppressed.total])], note=note
    )
    return charted(
        table,
        (Bar(label, figure) for (label, _), figure in zip(labelled, suppressed.parts, strict=True)),
    )


def days(duration: timedelta | None) -> str:
    if duration is None:
        return "-"
    count = duration.total_seconds() / 86400
    return f"{count:.1f} days"


# Onboarding


def onboarding(threshold: int) -> Section:
    """From expression of interest to joining. Two queries."""
    applications = Application.objects.exclude(status=Application.Status.DUPLICATE)
    took = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    # Each "was it ..." is a membership test against one hashed list, not a lookup per row.
    endorsed = Endorsement.objects.values("application_id")
    invited = Invitation.objects.values("application_id")
    joined = Invitation.objects.filter(status=Invitation.Status.ACCEPTED).values("application_id")
    was_decided = Q(
        status__in=[Application.Status.APPROVED, Application.Status.REJECTED],
        decided_at__isnull=False,
    )
    counts = applications.aggregate(
        interest=Count("pk", filter=Q(source=Application.Source.INTEREST)),
        nominated=Count("pk", filter=Q(source=Application.Source.NOMINATION)),
        direct=Count("pk", filter=Q(source=Application.Source.DIRECT)),
        endorsed=Count("pk", filter=Q(pk__in=endorsed)),
        approved=Count("pk", filter=Q(status=Application.Status.APPROVED)),
        invited=Count("pk", filter=Q(pk__in=invited)),
        joined=Count("pk", filter=Q(pk__in=joined)),
        decided=Count("pk", filter=was_decided),
        average=Avg(took, filter=was_decided),
    )
    sources = breakdown_table(
        "applications",
        "How people came to the network",
        "Route",
        [
            ("Expressed interest", counts["interest"]),
            ("Nominated by a member", counts["nominated"]),
            ("Invited directly by the board", counts["direct"]),
        ],
        threshold=threshold,
        total_label="All applications",
    )
    stages = [
        ("Applied", counts["interest"] + counts["nominated"] + counts["direct"]),
        ("Endorsed by a member", counts["endorsed"]),
        ("Approved", counts["approved"]),
        ("Invited", counts["invited"]),
        ("Joined", counts["joined"]),
    ]
    figures = suppress_figures([count for _, count in stages], threshold=threshold)
    funnel = charted(
        Table(
            "funnel",
            "From application to joining",
            "Stage",
            ["People"],
            [Row(label, [figure]) for (label, _), figure in zip(stages, figures, strict=True)],
        ),
        (Bar(label, figure) for (label, _), figure in zip(stages, figures, strict=True)),
    )
    decided_figure = suppress_figures([counts["decided"]], threshold=threshold)[0]
    # Read even when it will not be shown, so the page makes the same queries at any size.
    median = days(middle_duration(applications.filter(was_decided), counts["decided"]))
    average = days(counts["average"])
    if decided_figure.suppressed:
        median = average = str(decided_figure)
    timing = Table(
        "decision-time",
        "Time from application to the board's decision",
        "Measure",
        ["Time"],
        [
            Row("Applications decided", [decided_figure]),
            Row("Median", [median]),
            Row("Average", [average]),
        ],
        note="Median and average are not shown while they would describe a small group.",
    )
    return Section("onboarding", "Onboarding", [funnel, sources, timing])


def middle_duration(decided: QuerySet[Application], count: int) -> timedelta | None:
    """The median time to decision, read from the middle of the sorted list (one query)."""
    took = ExpressionWrapper(F("decided_at") - F("created_at"), output_field=DurationField())
    durations = decided.annotate(took=took).order_by("took").values_list("took", flat=True)
    middle = list(durations[max(count - 1, 0) // 2 : count // 2 + 1])
    return sum(middle, timedelta()) / len(middle) if middle else None


# Members


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    heading: str
    choices: list[tuple[Any, str]]


def told_the_board(part: str, column: str, private: Any) -> Case:
    """A profile's value, or `private` where its member keeps that part to themselves."""
    output: Field[Any, Any] = IntegerField() if isinstance(private, int) else CharField()
    return Case(
        When(**{f"visibility__{part}": Visibility.ONLY_ME}, then=Value(private)),
        default=F(column),
        output_field=output,
    )


@dataclass
class ProfileCounts:
    """What the dashboard reads from members' profiles, in one pass over them (the profile table
    is wide, so each pass costs more than all the other tables together)."""

    by: dict[str, dict[tuple[Any, int], int]]
    years: set[int]
    waiting: int = 0
    mentors: int = 0
    places: int = 0
    near_board_agreed: int = 0


def profile_counts() -> ProfileCounts:
    """Members grouped by profession, region, career stage, category and year joined at once,
    each group with its mentoring and self-description counts, summed here (a few thousand
    groups at most). Who waits and who agreed are membership tests against hashed lists."""
    open_requests = MentoringRequest.objects.open().values("mentee")
    in_rounds = RoundEntry.objects.exclude(round__status=MatchingRound.Status.PUBLISHED).values(
        "mentee"
    )
    agreed = SensitiveDataConsent.objects.filter(withdrawn_at=None).values("user")
    is_accepting = Q(mentoring_status=MentoringStatus.ACCEPTING)
    groups = (
        Profile.objects.filter(user__is_active=True)
        .annotate(
            d_profession=told_the_board("profession", "profession", PRIVATE),
            d_region=told_the_board("region", "region", PRIVATE),
            d_career_stage=told_the_board("career_stage", "career_stage", PRIVATE),
            d_category=told_the_board("category", "category_id", -1),
            year=ExtractYear("user__date_joined"),
            # Keys, not filtered counts: a count's filter is worked out after the sort, which
            # would carry each profile's whole privacy settings through it and double its time.
            agreed=Case(When(user__in=agreed, then=Value(True)), default=Value(False)),
            waiting=Case(
                When(Q(user__in=open_requests) | Q(user__in=in_rounds), then=Value(True)),
                default=Value(False),
            ),
        )
        .values(
            "d_profession", "d_region", "d_career_stage", "d_category", "year", "agreed", "waiting"
        )
        .annotate(
            count=Count("pk"),
            mentors=Count("pk", filter=is_accepting),
            places=Coalesce(Sum("mentoring_capacity", filter=is_accepting), 0),
        )
        .order_by()
    )
    counts = ProfileCounts(by=defaultdict(lambda: defaultdict(int)), years=set())
    for group in groups:
        counts.years.add(group["year"])
        for key in ("profession", "region", "career_stage", "category"):
            counts.by[key][(group[f"d_{key}"], group["year"])] += group["count"]
        counts.waiting += group["count"] if group["waiting"] else 0
        counts.mentors += group["mentors"]
        counts.places += group["places"]
        if group["agreed"] and group["d_career_stage"] in NEAR_BOARD:
            counts.near_board_agreed += group["count"]
    return counts


def members(threshold: int, settings: NetworkSettings, profiles: ProfileCounts) -> Section:
    """Members by profession, region, career stage and category, and by year joined."""
    counts, years = profiles.by, profiles.years
    columns, column_of = year_columns(sorted(years))
    dimensions = [
        Dimension("profession", "Members by profession", "Profession", Profession.choices),
        Dimension("region", "Members by region", "Region", Region.choices),
        Dimension("career_stage", "Members by career stage", "Career stage", CareerStage.choices),
        Dimension(
            "category",
            "Members by membership category",
            "Category",
            [(category.pk, category.name) for category in settings.categories.all()],
        ),
    ]
    matrices = []
    for dimension in dimensions:
        private: Any = -1 if dimension.key == "category" else PRIVATE
        not_given: Any = None if dimension.key == "category" else ""
        choices = [*dimension.choices, (not_given, NOT_GIVEN_LABEL), (private, PRIVATE_LABEL)]
        matrix = [[0] * len(columns) for _ in choices]
        row_of = {value: n for n, (value, _) in enumerate(choices)}
        for (value, year), count in counts[dimension.key].items():
            matrix[row_of.get(value, row_of[not_given])][column_of[year]] += count
        matrices.append((dimension, choices, matrix))
    tables = linked_tables([matrix for _, _, matrix in matrices], threshold=threshold)
    figures = []
    for (dimension, choices, _), table in zip(matrices, tables, strict=True):
        rows = [
            Row(label, [*cells, total])
            for (_, label), cells, total in zip(choices, table.cells, table.row_totals, strict=True)
        ]
        rows.append(Row("All members", [*table.column_totals, table.total]))
        figures.append(
            charted(
                Table(dimension.key, dimension.title, dimension.heading, [*columns, "Total"], rows),
                (
                    Bar(label, total)
                    for (_, label), total in zip(choices, table.row_totals, strict=True)
                ),
            )
        )
    joined_figures = tables[0].column_totals if tables else []
    joined = charted(
        Table(
            "joined",
            "Members by year joined",
            "Year joined",
            ["Members"],
            [Row(label, [figure]) for label, figure in zip(columns, joined_figures, strict=True)],
        ),
        (Bar(label, figure) for label, figure in zip(columns, joined_figures, strict=True)),
    )
    return Section("members", "Members", [joined, *figures])


def year_columns(years: list[int]) -> tuple[list[str], dict[int, int]]:
    """Column headings for years joined, the earliest sharing one, and each year's column."""
    if len(years) <= YEARS_SHOWN:
        return [str(year) for year in years], {year: n for n, year in enumerate(years)}
    recent = years[-(YEARS_SHOWN - 1) :]
    column_of = {year: 0 for year in years[: -(YEARS_SHOWN - 1)]}
    column_of.update({year: n + 1 for n, year in enumerate(recent)})
    return [f"Before {recent[0]}", *(str(year) for year in recent)], column_of


def linked_tables(matrices: list[list[list[int]]], *, threshold: int) -> list[Any]:
    """Tables that share their column totals (the same members by year joined): a total hidden
    in one is hidden in all, or one table would give away what another hides."""
    hidden: set[Any] = set()
    while True:
        tables = [
            suppress_table(matrix, threshold=threshold, hidden_column_totals=hidden)
            for matrix in matrices
        ]
        now_hidden = {
            column
            for table in tables
            for column, figure in [*enumerate(table.column_totals), ("total", table.total)]
            if figure.suppressed
        }
        if now_hidden <= hidden:
            return tables
        hidden |= now_hidden


# Mentoring


def mentoring(threshold: int, profiles: ProfileCounts) -> Section:
    """Pairings, waiting mentees, mentors' capacity, close-out feedback and the milestones mentees
    reached: four queries (with the waiting and the mentors from the pass over profiles)."""
    # Each pairing has up to two close-outs, so pairings are counted once each (distinct).
    pairing_counts = Pairing.objects.aggregate(
        **{
            status: Count("pk", filter=Q(status=status), distinct=True)
            for status in Pairing.Status.values
        },
        **{
            goals: Count("close_outs", filter=Q(close_outs__goals_met=goals))
            for goals in CloseOut.GoalsMet.values
        },
        recommend=Count("close_outs", filter=Q(close_outs__would_recommend=True)),
        not_recommend=Count("close_outs", filter=Q(close_outs__would_recommend=False)),
    )
    pairings = breakdown_table(
        "pairings",
        "Mentoring pairings",
        "State",
        [
            (Pairing.Status(status).label, pairing_counts[status])
            for status in Pairing.Status.values
        ],
        threshold=threshold,
        total_label="All pairings",
        column="Pairings",
    )
    accepting = Profile.objects.filter(
        user__is_active=True, mentoring_status=MentoringStatus.ACCEPTING
    ).values("pk")
    taken = Pairing.objects.live().filter(mentor__in=accepting).count()
    capacity = {
        "waiting": profiles.waiting,
        "mentors": profiles.mentors,
        "places": profiles.places,
    }
    waiting_figure, mentors_figure, taken_figure = suppress_figures(
        [capacity["waiting"], capacity["mentors"], taken], threshold=threshold
    )
    # The places offered would tell roughly how many mentors offer them.
    offered = "not shown" if mentors_figure.suppressed else f"{capacity['places']:,}"
    used = (
        f"{100 * taken / capacity['places']:.0f}%"
        if capacity["places"] and not taken_figure.suppressed and not mentors_figure.suppressed
        else "-"
    )
    places = Table(
        "capacity",
        "Mentees waiting and mentors' places",
        "Measure",
        ["Figure"],
        [
            Row("Mentees waiting for a mentor", [waiting_figure]),
            Row("Mentors taking on mentees now", [mentors_figure]),
            Row("Places those mentors offer", [offered]),
            Row("Places taken", [taken_figure]),
            Row("Capacity used", [used]),
        ],
    )
    close = pairing_counts
    goals = breakdown_table(
        "close-out-goals",
        "Close-out: were the pairing's goals met?",
        "Answer",
        [(CloseOut.GoalsMet(goals).label, close[goals]) for goals in CloseOut.GoalsMet.values],
        threshold=threshold,
        total_label="All close-outs",
        column="Answers",
    )
    recommend = breakdown_table(
        "close-out-recommend",
        "Close-out: would they recommend mentoring in the network?",
        "Answer",
        [("Yes", close["recommend"]), ("No", close["not_recommend"])],
        threshold=threshold,
        total_label="All close-outs",
        column="Answers",
    )
    after = milestones_after_mentoring()
    reached = breakdown_table(
        "milestones-after-mentoring",
        "Career milestones mentees reached once mentoring began",
        "When",
        [("During a pairing", after.during), ("After it ended", after.after)],
        threshold=threshold,
        total_label="All milestones",
        column="Milestones",
    )
    mentees = suppress_figures([after.mentees], threshold=threshold)[0]
    return Section(
        "mentoring",
        "Mentoring",
        [pairings, places, goals, recommend, reached],
        summary=[f"Mentees who reached at least one milestone: {mentees}."],
    )


# Events


def events(threshold: int) -> Section:
    """Events held, places, attendance and feedback: two queries."""
    held = Event.objects.filter(status=Event.Status.HELD)
    confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
    attendance = Registration.Attendance
    places = held.aggregate(
        held=Count("pk", distinct=True),
        **{
            mark or "unmarked": Count(
                "registrations", filter=confirmed & Q(registrations__attendance=mark)
            )
            for mark in attendance.values
        },
    )
    rows = [
        (attendance(mark).label if mark else "Not marked", places[mark or "unmarked"])
        for mark in attendance.values
    ]
    table = breakdown_table(
        "attendance",
        "Places at events held, and who came",
        "Attendance",
        rows,
        threshold=threshold,
        total_label="All places",
        column="Places",
    )
    came, no_show = (places[attendance.ATTENDED], places[attendance.NO_SHOW])
    shown = {row.label: row.cells[0] for row in table.rows}
    rate = (
        f"{100 * no_show / (came + no_show):.0f}%"
        if came + no_show
        and not is_hidden(shown[attendance.ATTENDED.label])
        and not is_hidden(shown[attendance.NO_SHOW.label])
        else "-"
    )
    ratings = Feedback.objects.filter(event__status=Event.Status.HELD).aggregate(
        **{f"r{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
        average=Avg("rating"),
    )
    feedback = breakdown_table(
        "feedback",
        "Feedback on events held: ratings out of 5",
        "Rating",
        [(f"{n} out of 5", ratings[f"r{n}"]) for n in range(5, 0, -1)],
        threshold=threshold,
        total_label="All feedback",
        column="People",
    )
    answered = feedback.rows[-1].cells[0]
    average = (
        f"{ratings['average']:.1f} out of 5"
        if ratings["average"] is not None and not is_hidden(answered)
        else "-"
    )
    return Section(
        "events",
        "Events",
        [table, feedback],
        summary=[
            f"Events held: {places['held']:,}.",
            f"No-show rate (of places marked attended or not): {rate}.",
            f"Average rating: {average}.",
        ],
    )


# Career milestones


def milestones(threshold: int) -> Section:
    """Milestones members recorded, by year and kind (one query). Members write milestones in
    their own words, so the kind is read from them: board-level words first, then promotion."""
    kinds = [
        ("board", "Appointed to a board-level post"),
        ("promotion", "Other appointment or promotion"),
        ("other", "Other milestone"),
    ]
    rows = (
        CareerMilestone.objects.filter(profile__user__is_active=True)
        .exclude(profile__visibility__milestones=Visibility.ONLY_ME)
        .annotate(
            year=ExtractYear("achieved_on"),
            kind=Case(
                When(description__iregex=BELOW_BOARD_WORDS, then=Value("promotion")),
                When(description__iregex=BOARD_LEVEL_WORDS, then=Value("board")),
                When(description__iregex=PROMOTION_WORDS, then=Value("promotion")),
                default=Value("other"),
                output_field=CharField(),
            ),
        )
        .values("year", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[row["year"]][row["kind"]] += row["count"]
    years = sorted(counts)
    table = suppress_table(
        [[counts[year][kind] for kind, _ in kinds] for year in years],
        columns=len(kinds),
        threshold=threshold,
    )
    labels = [label for _, label in kinds]
    by_year = [
        Row(str(year), [*cells, total])
        for year, cells, total in zip(years, table.cells, table.row_totals, strict=True)
    ]
    by_year.append(Row("All years", [*table.column_totals, table.total]))
    figure = charted(
        Table(
            "milestones-by-year", "Career milestones by year", "Year", [*labels, "Total"], by_year
        ),
        (Bar(str(year), cells[0]) for year, cells in zip(years, table.cells, strict=True)),
    )
    return Section(
        "milestones",
        "Career milestones",
        [figure],
        summary=[
            "The chart shows appointments to board-level posts each year. Members describe "
            "their milestones in their own words; those that mention a board, a director, a "
            "chair or a chief post count as board-level, unless they say deputy, assistant or "
            "associate."
        ],
    )


# Self-description at or near board level


def self_description(threshold: int, consenting: int) -> Section:
    """Of members at or near board level who agreed we may hold how they describe themselves
    (`consenting`, from the pass over profiles), how many chose to describe each characteristic:
    one query, reaching each description's profile by its key."""
    described = (
        SelfDescription.objects.filter(
            characteristic=OuterRef("pk"),
            profile__user__is_active=True,
            profile__career_stage__in=NEAR_BOARD,
            profile__user__in=SensitiveDataConsent.objects.filter(withdrawn_at=None).values("user"),
        )
        .exclude(profile__visibility__career_stage=Visibility.ONLY_ME)
        .order_by()
        .values("characteristic")
        .annotate(n=Count("pk"))
        .values("n")
    )
    characteristics = list(
        SensitiveCharacteristic.objects.filter(settings_id=1).annotate(
            described=Coalesce(Subquery(described, output_field=IntegerField()), 0)
        )
    )
    tables = [described_table(c, consenting, threshold) for c in characteristics]
    # Every table shares its total: hidden in one, it is hidden in all, or one would give
    # away what another hides.
    if any(is_hidden(table.rows[-2].cells[0]) for table in tables):
        tables = [
            described_table(c, consenting, threshold, hide_total=True) for c in characteristics
        ]
    return Section(
        "self-description",
        "How members at or near board level describe themselves",
        tables,
        summary=[
            "Counted only from members whose career stage is director, executive or board "
            "member, and who have agreed, and not withdrawn their agreement, that the network "
            "may hold how they describe themselves. Nobody has been asked a separate question "
            "about impact reports, so members who have not agreed are left out entirely.",
            "The figures count members who chose to describe a characteristic; what they wrote "
            "is never read or sorted for these figures.",
        ],
    )


def described_table(
    characteristic: SensitiveCharacteristic,
    consenting: int,
    threshold: int,
    *,
    hide_total: bool = False,
) -> Table:
    described: int = characteristic.described  # type: ignore[attr-defined]
    table = breakdown_table(
        f"described-{characteristic.pk}",
        f"{characteristic.name}: members at or near board level who described it",
        "Answer",
        [("Described it", described), ("Did not", consenting - described)],
        threshold=threshold,
        total_label="Members at or near board level who agreed",
        hide_total=hide_total,
    )
    described_figure, total = table.rows[0].cells[0], table.rows[-1].cells[0]
    share = (
        f"{100 * described / consenting:.0f}%"
        if consenting and not is_hidden(described_figure) and not is_hidden(total)
        else "-"
    )
    rows = [*table.rows, Row("Share who described it", [share])]
    return Table(table.slug, table.title, table.row_heading, table.columns, rows, table.chart)


def dashboard(settings: NetworkSettings | None = None) -> list[Section]:
    settings = settings or NetworkSettings.load()
    threshold = settings.small_numbers_threshold
    profiles = profile_counts()
    return [
        onboarding(threshold),
        members(threshold, settings, profiles),
        mentoring(threshold, profiles),
        events(threshold),
        milestones(threshold),
        self_description(threshold, profiles.near_board_agreed),
    ]


def spreadsheet_rows(sections: Sequence[Section]) -> Iterator[list[object]]:
    """The dashboard as rows of (section, figure, row, column, value): hidden figures as words."""
    for section in sections:
        for table in section.tables:
            for row in table.rows:
                for column, cell in zip(table.columns, row.cells, strict=True):
                    value: object = cell
                    if isinstance(cell, Figure):
                        value = cell.value if cell.mark is Mark.SHOWN else str(cell)
                    yield [section.title, table.title, row.label, column, value]


# The board site's pages (added in BoardAdminSite.get_urls).


def impact_view(
    request: HttpRequest, *, each_context: Callable[[HttpRequest], dict[str, Any]]
) -> TemplateResponse:
    settings = NetworkSettings.load()
    return TemplateResponse(
        request,
        "admin/board/impact.html",
        {
            **each_context(request),
            "title": "Impact",
            "sections": dashboard(settings),
            "threshold": settings.small_numbers_threshold,
            "network": settings,
        },
    )


def impact_csv(request: HttpRequest) -> HttpResponse:
    settings = NetworkSettings.load()
    sections = dashboard(settings)
    record(
        actor=request.user,
        action=AuditAction.IMPACT_EXPORTED,
        target=settings,
        data={"threshold": settings.small_numbers_threshold},
    )
    return csv_response(
        "impact.csv", ["section", "figure", "row", "column", "value"], spreadsheet_rows(sections)
    )
