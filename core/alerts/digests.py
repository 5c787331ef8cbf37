"""Reminder digests: one outbox row per member per channel listing a shop's reminded alerts.

The daily check may remind tens of thousands of alerts at once. The rows are fanned out by the
database (members by channels, in one INSERT … SELECT per chunk of shops), so Python builds one
payload per shop instead of one row per message, and memory stays flat whatever the size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    column,
    exists,
    insert,
    literal,
    literal_column,
    null,
    select,
    true,
    update,
    values,
)

from core.alerts.notifications import NOTIFICATION_COLUMNS, RECIPIENT_COLUMNS
from core.db.base import Id
from core.db.models import Alert, Item, Member, Notification
from core.db.session import UnitOfWork
from core.db.statements import in_chunks
from core.items.rules import effective_threshold
from core.vocabulary import Kind, Status

# The share of the repeat interval a check may start early and still remind (SPEC 2.6).
DRIFT_ALLOWANCE = 0.1


def reminder_due_before(uow: UnitOfWork) -> datetime:
    """Alerts last notified at or before this are due a reminder: the repeat interval ago,
    less a tenth of it for the check's own drift (SPEC 2.6). The check stamps the moment it
    ran, so without the allowance a check that starts a few milliseconds earlier the next
    day, or a 23-hour daylight-saving day, would skip a reminder."""
    interval = uow.config.repeat_interval
    return uow.now() - (interval - interval * DRIFT_ALLOWANCE)


def remind_due_alerts(uow: UnitOfWork, shop_ids: Sequence[int]) -> tuple[int, int]:
    """Mark the shops' open alerts due a reminder as reminded, and queue one digest per member
    per channel: (alerts reminded, messages queued)."""
    item_kept = exists().where(Item.id == Alert.item_id, Item.deleted_at.is_(None))
    due = [
        Alert.shop_id.in_(shop_ids),
        Alert.resolved_at.is_(None),
        Alert.last_notified_at <= reminder_due_before(uow),
        item_kept,
    ]
    due_shops = list(
        uow.run(select(Alert.shop_id).where(*due).distinct().order_by(Alert.shop_id)).scalars()
    )
    reminded = queued = 0
    # A chunk of shops at a time, so that memory stays flat however many shops there are.
    for chunk in in_chunks(due_shops):
        entries = _mark_reminded(uow, [*due, Alert.shop_id.in_(chunk)])
        reminded += sum(len(shop_entries) for shop_entries in entries.values())
        queued += enqueue_reminder_digests(uow, entries)
    return reminded, queued


def _of_item(expression: ColumnElement[Any], type_: Any) -> Any:
    # The reminded alert's item, read in the UPDATE's own RETURNING. Spelt out as text, with
    # the tables named, because SQLAlchemy drops table names inside SQLite's RETURNING, which
    # makes `id` ambiguous.
    return literal_column(
        f"(SELECT {expression} FROM items JOIN shops ON shops.id = items.shop_id "
        "WHERE items.id = alerts.item_id)",
        type_,
    )


def _mark_reminded(uow: UnitOfWork, conditions: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """Mark the alerts as reminded now; each shop's digest entries of them."""
    now = uow.now()
    rows: Any = uow.run(
        update(Alert)
        .where(*conditions)
        .values(last_notified_at=now, next_reminder_at=now + uow.config.repeat_interval)
        .returning(
            Alert.shop_id,
            Alert.id,
            _of_item(Item.name.expression, Item.name.type),
            _of_item(Item.quantity.expression, Item.quantity.type),
            _of_item(effective_threshold(), Item.quantity.type),
        )
    )
    entries: dict[int, list[dict[str, Any]]] = {}
    for shop_id, alert_id, name, quantity, threshold in rows:
        entry = {"alert_id": alert_id, "item_name": name, "quantity": quantity}
        entry["threshold"] = threshold
        entries.setdefault(shop_id, []).append(entry)
    return entries


def enqueue_reminder_digests(uow: UnitOfWork, entries: dict[int, list[dict[str, Any]]]) -> int:
    """Queue one digest per member per channel of each shop listing the shop's entries (alert
    id, item name, quantity, threshold) by item name; returns how many were queued."""
    payloads = {
        shop_id: {"alerts": sorted(shop_entries, key=lambda entry: entry["item_name"])}
        for shop_id, shop_entries in entries.items()
    }
    return _insert_digests(uow, payloads)


def _digest_rows(uow: UnitOfWork, payloads: dict[int, dict[str, Any]]) -> Any:
    """Rows of NOTIFICATION_COLUMNS: each shop's payload for each of its members with alerts
    on, on each channel switched on that they have set up, in member then channel order."""
    now = uow.now()
    digests = (
        values(column("shop_id", Id), column("payload", Notification.payload.type), name="digests")
        .data(sorted(payloads.items()))
        .cte()
    )
    channels = (
        values(column("channel", String(10)), name="channels")
        .data([(channel,) for channel in sorted(uow.config.channels)])
        .cte()
    )
    channel = channels.c.channel
    recipient = case(
        *((channel == name, cast(source, String)) for name, source in RECIPIENT_COLUMNS.items())
    )
    key = literal("digest:") + cast(Member.id, String) + literal(":") + channel
    return (
        select(
            Member.shop_id,
            Member.id,
            null(),
            channel,
            recipient,
            literal(Kind.REMINDER_DIGEST.value),
            digests.c.payload,
            key + literal(":" + now.isoformat()),
            literal(Status.PENDING.value),
            literal(0),
            literal(now, type_=Notification.next_attempt_at.type),
            literal(now, type_=Notification.created_at.type),
        )
        .join(digests, digests.c.shop_id == Member.shop_id)
        .join(channels, true())
        .where(Member.notify.is_(True), recipient.is_not(None))
        .order_by(Member.id, channel)
    )


def _insert_digests(uow: UnitOfWork, payloads: dict[int, dict[str, Any]]) -> int:
    """Queue the digests of _digest_rows; counted in the unit of work's `queued`."""
    if not payloads:
        return 0
    statement = insert(Notification).from_select(NOTIFICATION_COLUMNS, _digest_rows(uow, payloads))
    # Counted from RETURNING: Python's sqlite3 reports no rowcount for a statement that
    # starts with WITH.
    inserted = len(uow.run(statement.returning(Notification.id)).all())
    uow.queued += inserted
    return inserted
