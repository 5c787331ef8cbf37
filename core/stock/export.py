"""`/export` and `GET /v1/export.*`: the shop's items and movements as tables, times in
the shop's zone, and as the files members download (CSV and XLSX)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from core.db.models import Alert, Item, Member, Movement, Shop
from core.db.session import UnitOfWork
from core.items.rules import effective_threshold
from core.sheets.writing import Cell, Table, csv_bytes, xlsx_bytes
from core.shops.members import require_member_ref
from core.shops.zones import shop_zone

# The columns an import reads back (core.stock.import_rows) are the first four and
# "Threshold from"; the others are there to read.
ITEM_HEADERS = (
    "Name",
    "SKU",
    "Quantity",
    "Threshold",
    "Threshold from",
    "On order",
    "Due",
    "Open alert since",
)
MOVEMENT_HEADERS = ("Time", "Item", "SKU", "Reason", "Change", "Quantity after", "By", "Note")
# The newest movements, so a shop with a long history still gets files Telegram takes.
MAX_MOVEMENTS = 100_000


@dataclass(frozen=True)
class ExportFiles:
    """What /export sends: each file's name and bytes."""

    items_csv: tuple[str, bytes]
    movements_csv: tuple[str, bytes]
    xlsx: tuple[str, bytes]
    items: int
    movements: int


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if moment is None else moment.astimezone(zone).replace(second=0, microsecond=0)


def item_rows(uow: UnitOfWork, shop_id: int, zone: ZoneInfo) -> list[tuple[Cell, ...]]:
    """The shop's live items by name, as ITEM_HEADERS say."""
    open_alert = and_(Alert.item_id == Item.id, Alert.resolved_at.is_(None))
    rows: Any = uow.run(
        select(
            Item.name,
            Item.sku,
            Item.quantity,
            effective_threshold(),
            case((Item.threshold.is_(None), "default"), else_="own"),
            Item.on_order,
            Item.order_due,
            select(func.min(Alert.created_at)).where(open_alert).scalar_subquery(),
        )
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.shop_id == shop_id, Item.deleted_at.is_(None))
        .order_by(Item.name_key)
    )
    return [(*row[:7], _local(row[7], zone)) for row in rows]


def movement_rows(uow: UnitOfWork, shop_id: int, zone: ZoneInfo) -> list[tuple[Cell, ...]]:
    """The shop's newest movements, oldest first, as MOVEMENT_HEADERS say."""
    rows: Any = uow.run(
        select(
            Movement.created_at,
            Item.name,
            Item.sku,
            Movement.reason,
            Movement.delta,
            Movement.quantity_after,
            func.coalesce(Member.display_name, Movement.source),
            Movement.note,
        )
        .join(Item, Item.id == Movement.item_id)
        .outerjoin(Member, Member.id == Movement.member_id)
        .where(Item.shop_id == shop_id)
        .order_by(Movement.id.desc())
        .limit(MAX_MOVEMENTS)
    )
    return [(_local(row[0], zone), *row[1:]) for row in reversed(rows.all())]


def export_tables(uow: UnitOfWork, *, shop_id: int) -> tuple[Table, Table]:
    """The items and the movements of the shop."""
    zone = shop_zone(uow, shop_id)
    return (
        Table("Items", ITEM_HEADERS, item_rows(uow, shop_id, zone)),
        Table("Movements", MOVEMENT_HEADERS, movement_rows(uow, shop_id, zone)),
    )


def export_files(uow: UnitOfWork, *, shop_id: int) -> ExportFiles:
    """The export as files named by the shop's date: items and movements as CSV, both as
    the sheets of one workbook."""
    items, movements = export_tables(uow, shop_id=shop_id)
    day = uow.now().astimezone(shop_zone(uow, shop_id)).date().isoformat()
    return ExportFiles(
        items_csv=(f"items-{day}.csv", csv_bytes(items)),
        movements_csv=(f"movements-{day}.csv", csv_bytes(movements)),
        xlsx=(f"stock-{day}.xlsx", xlsx_bytes([items, movements])),
        items=len(items.rows),
        movements=len(movements.rows),
    )


def export_for_member(uow: UnitOfWork, *, telegram_user_id: int) -> ExportFiles:
    """/export: the member's shop's files."""
    return export_files(uow, shop_id=require_member_ref(uow, telegram_user_id).shop_id)
