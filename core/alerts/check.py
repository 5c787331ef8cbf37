"""The daily check: whole shops evaluated in a few set-based statements, not item by item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, or_, select, update

from core.alerts.digests import remind_due_alerts
from core.alerts.notifications import enqueue_alert_messages, enqueue_back_in_stock
from core.db.dialect import advisory_lock, insert_or_skip
from core.db.models import Alert, Item, Shop
from core.db.session import UnitOfWork
from core.items.rules import effective_threshold, is_low, is_stocked
from core.results import CheckReport
from core.shops import require_member_ref

# Any fixed number works; it only has to be the same in every process.
CHECK_LOCK_KEY = 0x5_70C_B07
_OPENED_COLUMNS = (
    "shop_id",
    "item_id",
    "quantity",
    "threshold",
    "created_at",
    "last_notified_at",
    "next_reminder_at",
)


def _items_in_scope(shop_id: int | None, *conditions: ColumnElement[bool]) -> Select[Any]:
    query = (
        select(Item.id)
        .join(Shop, Shop.id == Item.shop_id)
        .where(Item.deleted_at.is_(None), *conditions)
    )
    return query if shop_id is None else query.where(Item.shop_id == shop_id)


def resolve_restocked(uow: UnitOfWork, shop_id: int | None) -> list[int]:
    """Resolve (`restocked`) open alerts of items no longer low; lift their snoozes."""
    not_low = _items_in_scope(shop_id, is_stocked())
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
            .where(Alert.resolved_at.is_(None), Alert.item_id.in_(not_low))
            .values(resolved_at=uow.now(), resolution="restocked")
            .returning(Alert.id)
        ).scalars()
    )
    enqueue_back_in_stock(uow, resolved)
    return resolved


def _unalerted_low_items(uow: UnitOfWork, shop_id: int | None) -> Select[Any]:
    """Low items without an open alert and not snoozed, as rows of _OPENED_COLUMNS."""
    now = uow.now()
    has_open = exists().where(Alert.item_id == Item.id, Alert.resolved_at.is_(None))
    candidates = (
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
            Item.deleted_at.is_(None),
            is_low(),
            or_(Item.alert_snoozed_until.is_(None), Item.alert_snoozed_until <= now),
            ~has_open,
        )
    )
    return candidates if shop_id is None else candidates.where(Item.shop_id == shop_id)


def open_missing(uow: UnitOfWork, shop_id: int | None) -> list[int]:
    """Open alerts for low items that have none (a threshold raised, an import)."""
    statement = (
        insert_or_skip(uow, Alert)
        .from_select(_OPENED_COLUMNS, _unalerted_low_items(uow, shop_id))
        .on_conflict_do_nothing(index_elements=["item_id"], index_where=Alert.resolved_at.is_(None))
        .returning(Alert.id)
    )
    opened = list(uow.run(statement).scalars())
    enqueue_alert_messages(uow, opened)
    return opened


def reconcile(uow: UnitOfWork, shop_id: int | None) -> tuple[list[int], list[int]]:
    """Bring alerts in line with quantities and thresholds: (opened, resolved)."""
    resolved = resolve_restocked(uow, shop_id)
    opened = open_missing(uow, shop_id)
    return opened, resolved


def _count_low(uow: UnitOfWork, shop_id: int | None) -> int:
    low = _items_in_scope(shop_id, is_low()).subquery()
    counted: int | None = uow.run(select(func.count()).select_from(low)).scalar()
    return counted or 0


def run_check(uow: UnitOfWork, *, shop_id: int | None = None) -> CheckReport:
    """The daily check, for one shop or all: resolve, open, remind; then commit."""
    advisory_lock(uow, CHECK_LOCK_KEY)
    opened, resolved = reconcile(uow, shop_id)
    reminded, messages = remind_due_alerts(uow, shop_id)
    report = CheckReport(
        items_low=_count_low(uow, shop_id),
        alerts_opened=len(opened),
        alerts_reminded=reminded,
        reminder_messages=messages,
        alerts_resolved=len(resolved),
    )
    uow.commit()
    return report


def check_shop(uow: UnitOfWork, *, telegram_user_id: int) -> CheckReport:
    """`/check`: the daily check, now, for the admin's shop."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    return run_check(uow, shop_id=admin.shop_id)
