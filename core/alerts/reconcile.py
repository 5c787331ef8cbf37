"""Alerts brought in line with quantities and thresholds, a chunk of shops at a time, in
set-based statements: restocked items' alerts resolved, low items without one opened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, or_, select, update

from core.alerts.notifications import enqueue_alert_messages, enqueue_back_in_stock
from core.db.dialect import insert_or_skip
from core.db.models import Alert, Item, Shop
from core.db.session import UnitOfWork
from core.items.rules import effective_threshold, is_low, is_stocked

OPENED_COLUMNS = (
    "shop_id",
    "item_id",
    "quantity",
    "threshold",
    "created_at",
    "last_notified_at",
    "next_reminder_at",
)


def _in_shops(shop_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    # Both sides of the join: PostgreSQL does not carry an IN list across `shops.id =
    # items.shop_id`, and would otherwise hash every shop for each chunk's few.
    return [Item.shop_id.in_(shop_ids), Shop.id.in_(shop_ids)]


def _items_in_scope(shop_ids: Sequence[int], *conditions: ColumnElement[bool]) -> Select[Any]:
    return (
        select(Item.id)
        .join(Shop, Shop.id == Item.shop_id)
        .where(*_in_shops(shop_ids), Item.deleted_at.is_(None), *conditions)
    )


def _stocked_item_of_alert(shop_ids: Sequence[int]) -> ColumnElement[bool]:
    """True for an alert whose item is live, in the shops and no longer low. Looked up alert
    by alert (open alerts are a few of a shop's items), not by hashing every stocked item."""
    return (
        select(is_stocked())
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.id == Alert.item_id, Item.shop_id.in_(shop_ids), Item.deleted_at.is_(None))
        .scalar_subquery()
    )


def resolve_restocked(uow: UnitOfWork, shop_ids: Sequence[int]) -> list[int]:
    """Resolve (`restocked`) open alerts of items no longer low; lift their snoozes."""
    not_low = _items_in_scope(shop_ids, is_stocked())
    # Item rows before alert rows, the order stock changes lock them in: the other way round,
    # a restock of a snoozed item racing the check deadlocks with it.
    uow.run(
        update(Item)
        .where(Item.alert_snoozed_until.is_not(None), Item.id.in_(not_low))
        .values(alert_snoozed_until=None)
    )
    resolved = list(
        uow.run(
            update(Alert)
            .where(
                Alert.shop_id.in_(shop_ids),
                Alert.resolved_at.is_(None),
                _stocked_item_of_alert(shop_ids),
            )
            .values(resolved_at=uow.now(), resolution="restocked")
            .returning(Alert.id)
        ).scalars()
    )
    enqueue_back_in_stock(uow, resolved)
    return resolved


def unalerted_low_items(uow: UnitOfWork, *scope: ColumnElement[bool]) -> Select[Any]:
    """Live low items in `scope` (conditions on items and their shop) without an open alert,
    not muted and not snoozed, as rows of OPENED_COLUMNS."""
    now = uow.now()
    has_open = exists().where(Alert.item_id == Item.id, Alert.resolved_at.is_(None))
    return (
        select(
            Item.shop_id,
            Item.id,
            Item.quantity,
            effective_threshold(),
            literal(now, Alert.created_at.type),
            literal(now, Alert.last_notified_at.type),
            literal(now + uow.config.repeat_interval, Alert.next_reminder_at.type),
        )
        .join(Shop, Shop.id == Item.shop_id)
        .where(
            *scope,
            Item.deleted_at.is_(None),
            is_low(),
            Item.muted.is_(False),
            or_(Item.alert_snoozed_until.is_(None), Item.alert_snoozed_until <= now),
            ~has_open,
        )
    )


def insert_opened(uow: UnitOfWork, rows: Select[Any]) -> list[int]:
    """Open an alert for each row (of OPENED_COLUMNS, as `unalerted_low_items` gives them),
    skipping an item whose alert another transaction opened meanwhile; the ids, in order."""
    statement = (
        insert_or_skip(uow, Alert)
        .from_select(OPENED_COLUMNS, rows)
        .on_conflict_do_nothing(index_elements=["item_id"], index_where=Alert.resolved_at.is_(None))
        .returning(Alert.id)
    )
    return list(uow.run(statement).scalars())


def open_missing(uow: UnitOfWork, shop_ids: Sequence[int]) -> list[int]:
    """Open alerts for low items that have none (a threshold raised, an import)."""
    opened = insert_opened(uow, unalerted_low_items(uow, *_in_shops(shop_ids)))
    enqueue_alert_messages(uow, opened)
    return opened


def reconcile(uow: UnitOfWork, shop_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """Bring alerts in line with quantities and thresholds: (opened, resolved)."""
    resolved = resolve_restocked(uow, shop_ids)
    opened = open_missing(uow, shop_ids)
    return opened, resolved


def count_low(uow: UnitOfWork, shop_ids: Sequence[int]) -> int:
    """The shops' live low items, however muted or snoozed."""
    low = _items_in_scope(shop_ids, is_low()).subquery()
    counted: int | None = uow.run(select(func.count()).select_from(low)).scalar()
    return counted or 0
