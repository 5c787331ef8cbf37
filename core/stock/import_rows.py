"""A sent spreadsheet's rows read as what each asks for: the columns found by their /export
headers, every cell checked, each problem a row error with its reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InvalidInput
from core.sheets.reading import FORMULA, RawRow
from core.validation import check_quantity, clean_item_name, clean_sku

# Header words, folded (case, spaces, punctuation) → the column they name. The export's
# other columns (on order, due, open alert) are there to read and are not imported.
COLUMNS = {
    "name": "name",
    "item": "name",
    "sku": "sku",
    "quantity": "quantity",
    "qty": "quantity",
    "threshold": "threshold",
    "thresholdfrom": "threshold_from",
}
READ_ONLY = frozenset({"onorder", "due", "openalertsince"})
NO_HEADER = (
    "The first row must name the columns, as /export writes them: Name (or SKU) and "
    "Quantity or Threshold."
)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_WHOLE_WITH_ZEROS = re.compile(r"(\d+)(?:[.,]0+)?")


@dataclass(frozen=True)
class RowIntent:
    """What one row asks for; None: the file leaves it as it is."""

    row: int
    name: str | None
    sku: str | None
    quantity: int | None
    threshold: int | None
    # "Threshold from" says default: the shop's default threshold, not an own one.
    threshold_default: bool


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


def _fold(header: str) -> str:
    return "".join(char for char in header.casefold() if char.isalnum())


def header_columns(header: RawRow) -> tuple[dict[str, int], tuple[str, ...]]:
    """Where each known column is, and the headers not imported (unknown ones)."""
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header.cells):
        key = _fold(title)
        if key in COLUMNS and COLUMNS[key] not in found:
            found[COLUMNS[key]] = index
        elif title and key not in READ_ONLY:
            ignored.append(title)
    if not ({"name", "sku"} & found.keys() and {"quantity", "threshold"} & found.keys()):
        raise InvalidInput(NO_HEADER)
    return found, tuple(ignored)


def whole_number(text: str, what: str) -> int | None:
    """A cell's whole number, None when empty; InvalidInput with the reason otherwise."""
    if text == FORMULA:
        raise InvalidInput(f"{what} is a formula; type the number itself.")
    compact = _SPACES.sub("", text)
    if not compact:
        return None
    match = _WHOLE_WITH_ZEROS.fullmatch(compact)
    if match is None:
        if compact.startswith("-"):
            raise InvalidInput(f"{what} cannot be negative ({text}).")
        raise InvalidInput(f"{what} “{text}” is not a whole number.")
    return check_quantity(int(match.group(1)), what=what)


def _text(cells: tuple[str, ...], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _name(text: str) -> str | None:
    if text == FORMULA:
        raise InvalidInput("The name is a formula; type the name itself.")
    return clean_item_name(text) if text.strip() else None


def _sku(text: str) -> str | None:
    if text == FORMULA:
        raise InvalidInput("The SKU is a formula; type the code itself.")
    return clean_sku(text) if text.strip() else None


def _threshold_default(text: str) -> bool:
    word = text.strip().casefold()
    if word not in ("", "own", "default"):
        raise InvalidInput(f"Threshold from is “own” or “default”, not “{text}”.")
    return word == "default"


def row_intent(row: RawRow, columns: dict[str, int]) -> RowIntent:
    """One data row read; InvalidInput with the reason of its first bad cell."""
    cells = row.cells
    intent = RowIntent(
        row=row.number,
        name=_name(_text(cells, columns.get("name"))),
        sku=_sku(_text(cells, columns.get("sku"))),
        quantity=whole_number(_text(cells, columns.get("quantity")), "Quantity"),
        threshold=whole_number(_text(cells, columns.get("threshold")), "Threshold"),
        threshold_default=_threshold_default(_text(cells, columns.get("threshold_from"))),
    )
    if intent.name is None and intent.sku is None:
        raise InvalidInput("The row has no name and no SKU.")
    return intent


def read_intents(
    rows: list[RawRow],
) -> tuple[list[RowIntent], list[RowError], tuple[str, ...]]:
    """(what each good row asks, each bad row's reason, the headers not imported)."""
    if not rows:
        raise InvalidInput("The file is empty.")
    columns, ignored = header_columns(rows[0])
    intents: list[RowIntent] = []
    errors: list[RowError] = []
    for row in rows[1:]:
        try:
            intents.append(row_intent(row, columns))
        except InvalidInput as error:
            errors.append(RowError(row.number, error.message))
    return intents, errors, ignored
