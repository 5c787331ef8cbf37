"""Tables written as CSV (UTF-8, a header row, formula cells escaped) and as an XLSX
workbook (bold frozen header, column widths, numbers as numbers, dates as dates)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as SheetCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | date | datetime | None

# A spreadsheet runs a cell that starts with one of these as a formula; a leading
# apostrophe makes it text again, and reading strips it (core.sheets.reading).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_WIDTH = 40


@dataclass(frozen=True)
class Table:
    """One sheet: its title, the header row and the rows (times already in the shop's zone)."""

    title: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]


def text_of(value: Cell) -> str:
    """A cell as CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte order mark, so that Excel reads it as UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([text_of(value) for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The tables as the sheets of one workbook."""
    # openpyxl costs a process some 30 MB once imported: only one that writes a file pays it.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for table in tables:
        _write_sheet(workbook.create_sheet(table.title), table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write_sheet(sheet: WriteOnlyWorksheet, table: Table) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for index, width in enumerate(_widths(table), start=1):
        # write-only sheets have column dimensions too; the type stubs miss them
        sheet.column_dimensions[get_column_letter(index)].width = width  # type: ignore[attr-defined]
    bold = Font(bold=True)
    header = []
    for title in table.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> SheetCell | Cell:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = TIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=datetime.combine(value, time()))
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def _widths(table: Table) -> list[int]:
    """Each column as wide as its longest cell among the first rows, within bounds."""
    sample = [table.headers, *table.rows[:200]]
    return [
        min(MAX_WIDTH, max(8, *(len(text_of(row[column])) + 2 for row in sample)))
        for column in range(len(table.headers))
    ]
