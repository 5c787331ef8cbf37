"""Documents members send read into rows of text, or refused with the reason: only CSV and
XLSX, at most 5 MB and 10,000 rows, no zip bombs. CSV: UTF-8 (a BOM or none), UTF-16 or
Windows-1252, comma, semicolon or tab separated, any line endings. XLSX: the first sheet,
in read-only mode, after the zip's unpacked sizes are checked."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from core.errors import InvalidInput
from core.sheets.writing import FORMULA_STARTS

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# A 5 MB workbook of 10,000 rows unpacks to far less; more is a zip bomb.
MAX_UNPACKED = 64 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_COLUMNS = 30
FORMULA = "\x00formula"  # what a formula cell reads as: never a value a person typed
XLSX_TYPES = (".xlsx",)
CSV_TYPES = (".csv", ".txt")
WRONG_TYPE = "I can import only .csv and .xlsx files (an export edited and saved again works)."


@dataclass(frozen=True)
class RawRow:
    """One row as the file numbers it (the header is row 1), every cell as text."""

    number: int
    cells: tuple[str, ...]


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise InvalidInput(f"The file is {size / 1024 / 1024:.1f} MB; I can import up to 5 MB.")


def check_upload(file_name: str | None, size: int | None) -> None:
    """Refuse a document by its name and announced size, before it is downloaded."""
    name = (file_name or "").lower()
    if not name.endswith(XLSX_TYPES + CSV_TYPES):
        raise InvalidInput(WRONG_TYPE)
    if size is not None:
        _check_size(size)


def read_rows(data: bytes, file_name: str | None = None) -> list[RawRow]:
    """Every non-empty row of the document, the header first."""
    if file_name is not None:
        check_upload(file_name, len(data))
    _check_size(len(data))
    if not data.strip():
        raise InvalidInput("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if (file_name or "").lower().endswith(XLSX_TYPES):
        raise InvalidInput("This .xlsx file is not an Excel workbook; save it again as .xlsx.")
    return _csv_rows(data)


def _limited(rows: list[RawRow]) -> list[RawRow]:
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(f"The file has more than {MAX_ROWS:,} rows; split it into parts.")
    return rows


def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise InvalidInput(WRONG_TYPE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # what Excel saves as "CSV" on Windows in Western Europe
        return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes) -> list[RawRow]:
    text = _decoded(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(RawRow(reader.line_num, tuple(_csv_cell(c) for c in cells)))
                _limited(rows)
    except csv.Error as error:
        raise InvalidInput(f"Line {reader.line_num} of the CSV cannot be read: {error}.") from None
    return rows


def _csv_cell(raw: str) -> str:
    cell = raw.strip()
    if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]  # escaped by an export
    if cell.startswith("="):
        return FORMULA
    return cell


def _check_zip(data: bytes) -> None:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise InvalidInput("The .xlsx file is damaged; save it again as .xlsx.") from None
    # zipfile never unpacks an entry beyond the size it declares, so the sum holds.
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
        raise InvalidInput("The .xlsx file unpacks to far more than a sheet of 10,000 rows.")


def _xlsx_rows(data: bytes) -> list[RawRow]:
    # Imported here: only a process that reads a spreadsheet pays openpyxl's memory.
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput("The .xlsx file cannot be read as a workbook.") from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[RawRow] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            texts = [_xlsx_cell(cell.value, cell.data_type) for cell in cells]
            while texts and not texts[-1]:
                texts.pop()
            if texts:
                rows.append(RawRow(number, tuple(texts)))
                _limited(rows)
        return rows
    finally:
        workbook.close()


def _xlsx_cell(value: object, data_type: str | None) -> str:
    if data_type == "f":
        return FORMULA
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        midnight = value.time() == time()
        return value.date().isoformat() if midnight else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
