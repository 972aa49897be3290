"""Small-number suppression for the impact figures, so no one can be singled out by a table.

Primary suppression: a figure about 1 to threshold - 1 people shows as "fewer than 8". Zero
shows as 0: it describes no one, so it singles no one out, and hiding it would hide that (for
example) no event has been held yet.

Secondary suppression: a hidden figure must not be recoverable from what is shown. A table is a
set of cells and a set of lines, each line saying "these cells add up to that total cell" (a row
and its total, a column and its total, the totals and the grand total). A value is recoverable
when the lines, with every shown cell filled in, leave it only one possible value. So:

- a line with exactly one hidden cell gives it away (total 30 = 25 + hidden): the next smallest
  shown cell of that line is hidden too;
- hidden figures under 8 are known to be at least 1, and the other hidden ones to be at least 8,
  so a line whose hidden cells leave no room (total 9 = hidden small + hidden other) gives the
  small ones away too: another cell of the line is hidden;
- in a two-way table every line can hold two hidden cells and still give one away through the
  lines together; a check over the whole set of lines finds such a cell and hides another cell
  beside it.

Each step only ever hides more, so it ends; in the worst case everything is hidden.
"""

import enum
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space

DEFAULT_THRESHOLD = 8

Key = Hashable


class Mark(enum.Enum):
    SHOWN = "shown"
    SMALL = "small"  # primary: about fewer people than the threshold
    HIDDEN = "hidden"  # secondary: hidden so a small figure cannot be worked out


@dataclass(frozen=True)
class Line:
    """Cells that add up to a total cell."""

    parts: tuple[Key, ...]
    total: Key

    @property
    def cells(self) -> tuple[Key, ...]:
        return (*self.parts, self.total)


@dataclass(frozen=True)
class Figure:
    """One number as it may be published."""

    value: int
    mark: Mark
    threshold: int

    @property
    def suppressed(self) -> bool:
        return self.mark is not Mark.SHOWN

    @property
    def shown(self) -> int | None:
        return None if self.suppressed else self.value

    def __str__(self) -> str:
        if self.mark is Mark.SMALL:
            return f"fewer than {self.threshold}"
        if self.mark is Mark.HIDDEN:
            return "not shown"
        return f"{self.value:,}"


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def suppress(
    values: Mapping[Key, int],
    lines: Sequence[Line],
    threshold: int = DEFAULT_THRESHOLD,
    hidden: Collection[Key] = (),
) -> dict[Key, Mark]:
    """How each cell may be published, given the lines that tie the cells together; `hidden`
    are cells hidden already elsewhere (a total another table shares)."""
    marks = {key: Mark.SMALL if is_small(v, threshold) else Mark.SHOWN for key, v in values.items()}
    for key in hidden:
        if marks[key] is Mark.SHOWN:
            marks[key] = Mark.HIDDEN
    while True:
        if unsafe := _unsafe_line(values, lines, marks, threshold):
            _hide_smallest_shown(values, unsafe.cells, marks)
            continue
        recoverable = recoverable_cells(lines, marks)
        if not recoverable:
            return marks
        key = recoverable[0]
        beside = [cell for line in lines if key in line.cells for cell in line.cells]
        _hide_smallest_shown(values, beside, marks, protecting=(key, lines))


def _unsafe_line(
    values: Mapping[Key, int], lines: Sequence[Line], marks: Mapping[Key, Mark], threshold: int
) -> Line | None:
    for line in lines:
        hidden = [key for key in line.cells if marks[key] is not Mark.SHOWN]
        if len(hidden) == 1 or (
            hidden
            and marks[line.total] is Mark.SHOWN
            and _leaves_no_room(values, line, marks, threshold)
        ):
            return line
    return None


def _leaves_no_room(
    values: Mapping[Key, int], line: Line, marks: Mapping[Key, Mark], threshold: int
) -> bool:
    """Whether the line's total, less its shown parts, forces every small hidden part to be 1:
    each is at least 1, and each other hidden part at least the threshold."""
    small = sum(marks[key] is Mark.SMALL for key in line.parts)
    others = sum(marks[key] is Mark.HIDDEN for key in line.parts)
    rest = values[line.total] - sum(values[k] for k in line.parts if marks[k] is Mark.SHOWN)
    return small > 0 and rest - threshold * others <= small


def _hide_smallest_shown(
    values: Mapping[Key, int],
    candidates: Sequence[Key],
    marks: dict[Key, Mark],
    protecting: tuple[Key, Sequence[Line]] | None = None,
) -> None:
    """Hide the smallest shown candidate, non-zero ones first. With `protecting` (a cell and the
    lines), the smallest one that leaves that cell unrecoverable, if one does."""
    shown = sorted(
        dict.fromkeys(key for key in candidates if marks[key] is Mark.SHOWN),
        key=lambda key: (values[key] == 0, values[key]),
    )
    if not shown:
        # Nothing left to hide beside it: hide everything, which gives nothing away.
        for key, mark in marks.items():
            if mark is Mark.SHOWN:
                marks[key] = Mark.HIDDEN
        return
    if protecting:
        cell, lines = protecting
        for key in shown:
            marks[key] = Mark.HIDDEN
            if cell not in recoverable_cells(lines, marks):
                return
            marks[key] = Mark.SHOWN
    marks[shown[0]] = Mark.HIDDEN


def recoverable_cells(lines: Sequence[Line], marks: Mapping[Key, Mark]) -> list[Key]:
    """Hidden cells whose value the lines fix, once every shown cell is filled in.

    The hidden cells are the unknowns of the lines' equations. Every solution is one solution
    plus a vector of the equations' null space, so an unknown is fixed exactly when every
    null-space vector is zero there.
    """
    hidden = [key for key, mark in marks.items() if mark is not Mark.SHOWN]
    if not hidden:
        return []
    column = {key: n for n, key in enumerate(hidden)}
    matrix = np.zeros((max(len(lines), 1), len(hidden)))
    for row, line in enumerate(lines):
        for key in line.parts:
            if key in column:
                matrix[row, column[key]] += 1
        if line.total in column:
            matrix[row, column[line.total]] -= 1
    free = null_space(matrix)
    return [key for key, n in column.items() if np.allclose(free[n], 0, atol=1e-9)]


@dataclass(frozen=True)
class Breakdown:
    """A count split into parts that add up to a total, as it may be published."""

    parts: list[Figure]
    total: Figure


def suppress_breakdown(
    counts: Sequence[int],
    *,
    total: int | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    hide_total: bool = False,
) -> Breakdown:
    """Parts and their total (the sum unless given: a total can also count people in no part).
    `hide_total`: the total is hidden already where another breakdown of the same people is."""
    keys = list(range(len(counts)))
    values: dict[Key, int] = {key: int(count) for key, count in zip(keys, counts, strict=True)}
    values["total"] = sum(counts) if total is None else total
    lines = [Line(tuple(keys), "total")] if total is None or total == sum(counts) else []
    marks = suppress(values, lines, threshold, hidden=["total"] if hide_total else [])
    return Breakdown(
        parts=[Figure(values[key], marks[key], threshold) for key in keys],
        total=Figure(values["total"], marks["total"], threshold),
    )


def suppress_figures(counts: Sequence[int], *, threshold: int = DEFAULT_THRESHOLD) -> list[Figure]:
    """Counts that no total ties together (stages of a funnel): each is hidden only if small."""
    return [
        Figure(count, Mark.SMALL if is_small(count, threshold) else Mark.SHOWN, threshold)
        for count in counts
    ]


@dataclass(frozen=True)
class CrossTable:
    """Counts by two things at once, with row, column and grand totals, as they may be published."""

    cells: list[list[Figure]]
    row_totals: list[Figure]
    column_totals: list[Figure]
    total: Figure


def table_lines(rows: int, columns: int) -> list[Line]:
    """The lines of a table with totals: cell (r, c), row totals (r, "total"), column totals
    ("total", c) and the grand total ("total", "total")."""
    row_keys: list[Hashable] = [*range(rows), "total"]
    column_keys: list[Hashable] = [*range(columns), "total"]
    return [
        *(Line(tuple((r, c) for c in range(columns)), (r, "total")) for r in row_keys),
        *(Line(tuple((r, c) for r in range(rows)), ("total", c)) for c in column_keys),
    ]


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    columns: int | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    hidden_column_totals: Collection[Key] = (),
) -> CrossTable:
    """A table with its totals (`columns` says how many where there are no rows yet).
    `hidden_column_totals` (column numbers) are hidden already in
    another table with the same columns ("total" for the grand total), so they must be
    hidden here too."""
    rows = len(counts)
    columns = len(counts[0]) if rows else columns or 0
    values: dict[Key, int] = {
        (r, c): int(counts[r][c]) for r in range(rows) for c in range(columns)
    }
    for r in range(rows):
        values[(r, "total")] = sum(values[(r, c)] for c in range(columns))
    for c in range(columns):
        values[("total", c)] = sum(values[(r, c)] for r in range(rows))
    values[("total", "total")] = sum(values[(r, "total")] for r in range(rows))
    shared = [("total", c) for c in hidden_column_totals]
    marks = suppress(values, table_lines(rows, columns), threshold, hidden=shared)

    def figure(key: Key) -> Figure:
        return Figure(values[key], marks[key], threshold)

    return CrossTable(
        cells=[[figure((r, c)) for c in range(columns)] for r in range(rows)],
        row_totals=[figure((r, "total")) for r in range(rows)],
        column_totals=[figure(("total", c)) for c in range(columns)],
        total=figure(("total", "total")),
    )
