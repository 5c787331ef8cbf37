"""Reminder digests: one outbox row per member per channel listing a shop's reminded alerts.

The daily check may remind tens of thousands of alerts at once. The rows are fanned out by the
database (members by channels, in one INSERT … SELECT per chunk of shops), so Python builds one
payload per shop instead of one row per message, and memory stays flat whatever the size."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnClause,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    column,
    exists,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    update,
    values,
)

from core.alerts.cards import enqueue_cards
from core.alerts.notes import handling_notes
from core.alerts.notifications import NOTIFICATION_COLUMNS, RECIPIENT_COLUMNS
from core.alerts.room_digests import queue_room_digests
from core.db.base import Id
from core.db.dialect import json_rows
from core.db.models import Alert, Item, Member, Notification
from core.db.session import UnitOfWork
from core.db.statements import in_chunks
from core.items.rules import effective_threshold
from core.vocabulary import Kind, Status

# The share of the repeat interval a check may start early and still remind (SPEC 2.6).
DRIFT_ALLOWANCE = 0.1
# A digest's payload for one shop and one member, or for the shop's other members: no member
# has id 0.
Audience = tuple[int, int, dict[str, Any]]
EVERYONE_ELSE = 0


@dataclass(frozen=True)
class Entry:
    """A reminded alert as digests list it, and the member on it, if anyone."""

    fields: dict[str, Any]
    taken_by: int | None


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
        or_(Alert.snoozed_until.is_(None), Alert.snoozed_until <= uow.now()),
        # Ordered: no reminder before the order is overdue, while something is on order.
        or_(
            Alert.order_overdue_at.is_(None),
            Alert.order_overdue_at <= uow.now(),
            ~exists().where(Item.id == Alert.item_id, Item.on_order > 0),
        ),
        item_kept,
    ]
    due_shops = list(
        uow.run(select(Alert.shop_id).where(*due).distinct().order_by(Alert.shop_id)).scalars()
    )
    reminded = queued = 0
    # A chunk of shops at a time, so that memory stays flat however many shops there are.
    for chunk in in_chunks(due_shops):
        entries = _mark_reminded(uow, [*due, Alert.shop_id.in_(chunk)])
        _add_notes(uow, entries)
        reminded += sum(len(shop_entries) for shop_entries in entries.values())
        queued += _insert_digests(uow, _audiences(uow, entries))
        queued += queue_room_digests(uow, {shop: _payload(e) for shop, e in entries.items()})
        late = [e.fields["alert_id"] for es in entries.values() for e in es if "order" in e.fields]
        enqueue_cards(uow, late)  # their cards say the order is late now
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


def _mark_reminded(uow: UnitOfWork, conditions: list[Any]) -> dict[int, list[Entry]]:
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
            Alert.acknowledged_by,
        )
    )
    entries: dict[int, list[Entry]] = {}
    for shop_id, alert_id, name, quantity, threshold, taken_by in rows:
        entry = {"alert_id": alert_id, "item_name": name, "quantity": quantity}
        entry["threshold"] = threshold
        entries.setdefault(shop_id, []).append(Entry(entry, taken_by))
    return entries


def _add_notes(uow: UnitOfWork, entries: dict[int, list[Entry]]) -> None:
    """Add to each entry who is on its alert and what is on order (core.alerts.notes)."""
    listed = [entry for shop_entries in entries.values() for entry in shop_entries]
    notes = handling_notes(uow, [entry.fields["alert_id"] for entry in listed])
    for entry in listed:
        entry.fields.update(notes.get(entry.fields["alert_id"], {}))


def _payload(entries: Sequence[Entry]) -> dict[str, Any]:
    return {"alerts": sorted((entry.fields for entry in entries), key=lambda e: e["item_name"])}


def _audiences(uow: UnitOfWork, entries: dict[int, list[Entry]]) -> list[Audience]:
    """Who gets which digest: in each shop, everyone gets its unacknowledged reminders; an
    acknowledged one goes only to the member on it and to the shop's admins (SPEC 2.8)."""
    taken_shops = [shop for shop, listed in entries.items() if any(e.taken_by for e in listed)]
    admins: dict[int, list[int]] = {}
    if taken_shops:
        rows: Any = uow.run(
            select(Member.shop_id, Member.id).where(
                Member.shop_id.in_(taken_shops), Member.role == "admin", Member.left_at.is_(None)
            )
        )
        for shop_id, member_id in rows:
            admins.setdefault(shop_id, []).append(member_id)
    audiences: list[Audience] = []
    for shop_id, listed in sorted(entries.items()):
        untaken = [entry for entry in listed if entry.taken_by is None]
        if untaken:
            audiences.append((shop_id, EVERYONE_ELSE, _payload(untaken)))
        takers = sorted({entry.taken_by for entry in listed if entry.taken_by is not None})
        if not takers:
            continue
        shop_admins = admins.get(shop_id, [])
        audiences += [(shop_id, admin, _payload(listed)) for admin in shop_admins]
        for taker in (taker for taker in takers if taker not in shop_admins):
            theirs = [entry for entry in listed if entry.taken_by in (None, taker)]
            audiences.append((shop_id, taker, _payload(theirs)))
    return audiences


def _audiences_of_members(uow: UnitOfWork, audiences: list[Audience]) -> tuple[Any, Any]:
    """The audiences as a table, and the condition that joins each member to theirs: the
    payload naming them, else their shop's payload for everyone else."""
    rows = [(shop, member, json.dumps(payload)) for shop, member, payload in audiences]
    columns: list[ColumnClause[Any]] = [column("shop_id", Id), column("member_id", Id)]
    columns.append(column("payload", JSON()))
    digests = json_rows(uow, "digests", columns, rows)
    named = digests.alias("named")
    for_member = or_(
        digests.c.member_id == Member.id,
        and_(
            digests.c.member_id == EVERYONE_ELSE,
            ~exists().where(named.c.shop_id == Member.shop_id, named.c.member_id == Member.id),
        ),
    )
    return digests, and_(digests.c.shop_id == Member.shop_id, for_member)


def _digest_rows(uow: UnitOfWork, audiences: list[Audience]) -> Any:
    """Rows of NOTIFICATION_COLUMNS: each payload for its member (or, with no member named,
    for each member of the shop not named in another), on each channel switched on that they
    have set up, in member then channel order."""
    now = uow.now()
    digests, for_member = _audiences_of_members(uow, audiences)
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
        .select_from(Member)
        .join(digests, for_member)
        .join(channels, true())
        .where(Member.notify.is_(True), recipient.is_not(None))
        .order_by(Member.id, channel)
    )


def _insert_digests(uow: UnitOfWork, audiences: list[Audience]) -> int:
    """Queue the digests of _digest_rows; counted in the unit of work's `queued`."""
    if not audiences:
        return 0
    statement = insert(Notification).from_select(NOTIFICATION_COLUMNS, _digest_rows(uow, audiences))
    # Counted from RETURNING: Python's sqlite3 reports no rowcount for a statement that
    # starts with WITH.
    inserted = len(uow.run(statement.returning(Notification.id)).all())
    uow.queued += inserted
    return inserted
