"""What a sent spreadsheet would change in its shop: each row matched to a live item by SKU,
else by name, compared with it; new items, quantity and threshold changes, and the rows
that cannot be taken, with the reason. Plans are plain JSON, kept with the preview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db.models import Item, Shop
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.stock.import_rows import RowError, RowIntent


@dataclass(frozen=True)
class Change:
    name: str
    before: int
    after: int


@dataclass(frozen=True)
class NewItem:
    name: str
    quantity: int
    threshold: int


@dataclass(frozen=True)
class ImportPreviewView:
    """A preview as the member sees it: what Apply would do, and the rows it leaves out."""

    id: int
    rows_read: int
    new_items: tuple[NewItem, ...]
    quantity_changes: tuple[Change, ...]
    threshold_changes: tuple[Change, ...]
    unchanged: int
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...]
    expires_at: datetime
    zone: ZoneInfo

    @property
    def has_changes(self) -> bool:
        return bool(self.new_items or self.quantity_changes or self.threshold_changes)


@dataclass(frozen=True)
class _Live:
    id: int
    name: str
    sku: str | None
    quantity: int
    own: int | None


class _Matcher:
    """The shop's live items by SKU and name, and the rows that already claimed one."""

    def __init__(self, uow: UnitOfWork, shop_id: int) -> None:
        rows: Any = uow.run(
            select(Item.id, Item.name, Item.sku, Item.quantity, Item.threshold).where(
                Item.shop_id == shop_id, Item.deleted_at.is_(None)
            )
        )
        items = [_Live(row.id, row.name, row.sku, row.quantity, row.threshold) for row in rows]
        self.by_sku = {item.sku: item for item in items if item.sku is not None}
        self.by_name = {item.name.casefold(): item for item in items}
        self.default: int = uow.run(
            select(Shop.default_threshold).where(Shop.id == shop_id)
        ).scalar_one()
        self.claimed: dict[str, int] = {}

    def claim(self, key: str, row: int) -> None:
        if key in self.claimed:
            raise InvalidInput(f"The same item is in row {self.claimed[key]} already.")
        self.claimed[key] = row

    def match(self, intent: RowIntent) -> _Live | None:
        by_sku = self.by_sku.get(intent.sku) if intent.sku else None
        if by_sku is not None:
            return by_sku
        by_name = self.by_name.get(intent.name.casefold()) if intent.name else None
        if by_name is not None and intent.sku is not None:
            has = f"“{by_name.sku}”" if by_name.sku else "none"
            raise InvalidInput(
                f"“{by_name.name}” has another SKU ({has}), not “{intent.sku}”; "
                "change SKUs with /sku."
            )
        if by_name is None and intent.name is None:
            raise InvalidInput(f"No item has the SKU “{intent.sku}”; give a name to add one.")
        return by_name

    def own_threshold(self, intent: RowIntent, current: int | None) -> int | None:
        """The own threshold the row asks for (None: the shop's default)."""
        if intent.threshold is None:
            return current
        if intent.threshold_default and intent.threshold == self.default:
            return None
        return intent.threshold


def build_plan(
    uow: UnitOfWork, shop_id: int, intents: list[RowIntent], errors: list[RowError]
) -> dict[str, Any]:
    """The plan: `new` items, `changes` of live ones (item id, quantity, own threshold and
    what they were), `unchanged` rows, and every row error (`errors` is extended)."""
    matcher = _Matcher(uow, shop_id)
    new: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    unchanged = 0
    for intent in intents:
        try:
            item = matcher.match(intent)
            matcher.claim(_key(intent, item), intent.row)
            if item is None and intent.sku is not None:
                matcher.claim(f"sku:{intent.sku}", intent.row)
        except InvalidInput as error:
            errors.append(RowError(intent.row, error.message))
            continue
        if item is None:
            new.append(_new_item(matcher, intent, errors))
        elif (change := _change(matcher, intent, item)) is not None:
            changes.append(change)
        else:
            unchanged += 1
    errors.sort(key=lambda error: error.row)
    return {
        "new": [entry for entry in new if entry],
        "changes": changes,
        "unchanged": unchanged,
        "default": matcher.default,
        "errors": [[error.row, error.reason] for error in errors],
    }


def _key(intent: RowIntent, item: _Live | None) -> str:
    if item is not None:
        return f"id:{item.id}"
    assert intent.name is not None  # match() refused a new item without one
    return f"name:{intent.name.casefold()}"


def _new_item(matcher: _Matcher, intent: RowIntent, errors: list[RowError]) -> dict[str, Any]:
    if intent.quantity is None:
        errors.append(RowError(intent.row, f"“{intent.name}” is new: give its quantity."))
        return {}
    own = matcher.own_threshold(intent, None)
    return {
        "row": intent.row,
        "name": intent.name,
        "sku": intent.sku,
        "quantity": intent.quantity,
        "own": own,
    }


def _change(matcher: _Matcher, intent: RowIntent, item: _Live) -> dict[str, Any] | None:
    quantity = item.quantity if intent.quantity is None else intent.quantity
    own = matcher.own_threshold(intent, item.own)
    if quantity == item.quantity and own == item.own:
        return None
    return {
        "row": intent.row,
        "item_id": item.id,
        "name": item.name,
        "quantity": [item.quantity, quantity],
        "own": [item.own, own],
    }


def preview_view(
    preview_id: int, plan: dict[str, Any], expires_at: datetime, zone: ZoneInfo
) -> ImportPreviewView:
    """The member's view of a stored plan."""
    default = plan["default"]
    changes = plan["changes"]
    return ImportPreviewView(
        id=preview_id,
        rows_read=plan["rows_read"],
        new_items=tuple(
            NewItem(n["name"], n["quantity"], default if n["own"] is None else n["own"])
            for n in plan["new"]
        ),
        quantity_changes=tuple(
            Change(c["name"], *c["quantity"]) for c in changes if len(set(c["quantity"])) > 1
        ),
        threshold_changes=tuple(
            Change(c["name"], *(default if own is None else own for own in c["own"]))
            for c in changes
            if c["own"][0] != c["own"][1]
        ),
        unchanged=plan["unchanged"],
        errors=tuple(RowError(row, reason) for row, reason in plan["errors"]),
        ignored_columns=tuple(plan["ignored"]),
        expires_at=expires_at,
        zone=zone,
    )
