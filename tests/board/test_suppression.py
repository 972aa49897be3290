from hypothesis import given, settings
from hypothesis import strategies as st

from board.suppression import (
    CrossTable,
    Figure,
    Key,
    Line,
    Mark,
    recoverable_cells,
    suppress_breakdown,
    suppress_figures,
    suppress_table,
    table_lines,
)


def texts(figures: list[Figure]) -> list[str]:
    return [str(figure) for figure in figures]


def test_figures_about_eight_or_more_people_are_shown() -> None:
    breakdown = suppress_breakdown([8, 20, 40])
    assert texts(breakdown.parts) == ["8", "20", "40"]
    assert str(breakdown.total) == "68"


def test_zero_is_shown_and_a_small_figure_is_not() -> None:
    breakdown = suppress_breakdown([0, 3, 10, 12])
    assert str(breakdown.parts[0]) == "0"
    assert str(breakdown.parts[1]) == "fewer than 8"
    assert breakdown.parts[1].mark is Mark.SMALL


def test_a_small_figure_beside_one_other_is_not_given_away_by_the_total() -> None:
    # Without secondary suppression: 30 - 25 = 5.
    breakdown = suppress_breakdown([25, 5])
    assert texts(breakdown.parts) == ["not shown", "fewer than 8"]
    assert str(breakdown.total) == "30"


def test_the_next_smallest_figure_is_hidden_with_a_small_one() -> None:
    breakdown = suppress_breakdown([40, 5, 12, 30])
    assert texts(breakdown.parts) == ["40", "fewer than 8", "not shown", "30"]


def test_two_small_figures_protect_each_other() -> None:
    breakdown = suppress_breakdown([40, 5, 3, 30])
    assert texts(breakdown.parts) == ["40", "fewer than 8", "fewer than 8", "30"]


def test_a_total_that_leaves_no_room_is_hidden_too() -> None:
    # Shown: fewer than 8 (so at least 1), a hidden figure (so at least 8), total 9: 1 and 8.
    breakdown = suppress_breakdown([1, 8])
    assert texts(breakdown.parts) == ["fewer than 8", "not shown"]
    assert str(breakdown.total) == "not shown"


def test_a_small_total_is_hidden() -> None:
    breakdown = suppress_breakdown([0, 4, 0])
    assert str(breakdown.total) == "fewer than 8"
    assert str(breakdown.parts[1]) == "fewer than 8"


def test_a_total_that_is_not_the_sum_ties_nothing() -> None:
    # 40 members at board level, 5 of whom described themselves: the rest are not a figure.
    breakdown = suppress_breakdown([5], total=40)
    assert texts(breakdown.parts) == ["fewer than 8"]
    assert str(breakdown.total) == "40"


def test_funnel_stages_are_suppressed_one_by_one() -> None:
    assert texts(suppress_figures([120, 7, 0])) == ["120", "fewer than 8", "0"]


def test_the_threshold_comes_from_the_settings() -> None:
    breakdown = suppress_breakdown([12, 30, 40], threshold=15)
    assert texts(breakdown.parts) == ["fewer than 15", "not shown", "40"]


def test_a_small_cell_in_a_table_is_protected_in_its_row_and_its_column() -> None:
    table = suppress_table([[10, 3, 20], [12, 15, 30], [9, 9, 9]])
    cells = [texts(row) for row in table.cells]
    # Row 1 and column 2 would each give the 3 away; hiding 10 and two 9s closes the loop.
    assert cells == [
        ["not shown", "fewer than 8", "20"],
        ["12", "15", "30"],
        ["not shown", "not shown", "9"],
    ]
    assert texts(table.row_totals) == ["33", "57", "27"]
    assert str(table.total) == "117"


def test_a_table_whose_hidden_cells_each_pair_up_in_their_lines_can_still_leak() -> None:
    # Two separate rectangles of hidden cells joined through one cell in row 2: each line holds
    # two hidden cells, yet that cell (and so the rest) follows from the totals.
    lines = table_lines(4, 4)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)}
    marks = {
        key: Mark.HIDDEN if key in hidden else Mark.SHOWN for line in lines for key in line.cells
    }
    assert recoverable_cells(lines, marks)


def test_a_leak_through_several_lines_is_closed() -> None:
    counts = [
        [2, 9, 40, 40],
        [9, 10, 40, 40],
        [40, 11, 12, 40],
        [40, 40, 3, 13],
    ]
    table = suppress_table(counts)
    marks = table_marks(table)
    assert not recoverable_cells(table_lines(4, 4), marks)


def table_marks(table: CrossTable) -> dict[Key, Mark]:
    marks: dict[Key, Mark] = {}
    for r, row in enumerate(table.cells):
        for c, figure in enumerate(row):
            marks[(r, c)] = figure.mark
    for r, figure in enumerate(table.row_totals):
        marks[(r, "total")] = figure.mark
    for c, figure in enumerate(table.column_totals):
        marks[("total", c)] = figure.mark
    marks[("total", "total")] = table.total.mark
    return marks


counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=50, deadline=None)
@given(st.lists(counts, min_size=1, max_size=8), st.integers(min_value=2, max_value=12))
def test_no_hidden_figure_of_a_breakdown_can_be_worked_out(
    parts: list[int], threshold: int
) -> None:
    breakdown = suppress_breakdown(parts, threshold=threshold)
    marks: dict[Key, Mark] = {n: figure.mark for n, figure in enumerate(breakdown.parts)}
    marks["total"] = breakdown.total.mark
    assert not recoverable_cells([Line(tuple(range(len(parts))), "total")], marks)
    for value, figure in zip(parts, breakdown.parts, strict=True):
        if 0 < value < threshold:
            assert figure.mark is Mark.SMALL
        elif figure.mark is Mark.SHOWN:
            assert str(figure) == f"{value:,}"


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda columns: st.lists(
            st.lists(counts, min_size=columns, max_size=columns), min_size=1, max_size=6
        )
    )
)
def test_no_hidden_cell_of_a_table_can_be_worked_out_from_its_totals(
    rows: list[list[int]],
) -> None:
    table = suppress_table(rows)
    marks = table_marks(table)
    assert not recoverable_cells(table_lines(len(rows), len(rows[0])), marks)
    for row, figures in zip(rows, table.cells, strict=True):
        for value, figure in zip(row, figures, strict=True):
            assert figure.suppressed or not 0 < value < 8
            assert not figure.suppressed or figure.shown is None
