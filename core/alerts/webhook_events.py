"""Outgoing webhook events (SPEC 7), queued in the same transaction as the change that
causes them: one outbox row per enabled endpoint of the shop subscribed to the event.

A row's payload is the Standard Webhooks envelope, `{"type", "timestamp", "data"}`, the
exact JSON the relay posts; docs/webhooks.md gives each event's schema."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, cast, exists, literal, null, select
from sqlalchemy.orm import aliased

from core.alerts.notifications import insert_rows, insert_statement
from core.db.models import Alert, Item, Member, Notification, Shop, WebhookEndpoint
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.items.rules import effective_threshold
from core.shops.webhooks import EVENTS
from core.vocabulary import Channel, Kind, Status

ALERT_OPENED, ALERT_UPDATED, ALERT_RESOLVED, STOCK_CHANGED = EVENTS

_ENABLED = WebhookEndpoint.disabled_at.is_(None)


def iso(moment: datetime | date | None) -> str | None:
    """A time as the events write it: ISO 8601, UTC with a Z; a date as YYYY-MM-DD."""
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None if moment is None else moment.isoformat()


@cached_statement
def _event_insert(dialect: str) -> Any:
    now = bindparam("now", type_=Notification.created_at.type)
    # Serialized here: SQLite stores JSON as text, PostgreSQL casts the text to json.
    payload: Any = bindparam("payload", type_=String())
    if dialect == "postgresql":
        payload = cast(payload, JSON)
    subscribed = (literal(",") + WebhookEndpoint.events + literal(",")).like(bindparam("pattern"))
    item_shop = select(Item.shop_id).where(Item.id == bindparam("item_id")).scalar_subquery()
    rows = (
        select(
            WebhookEndpoint.shop_id,
            null(),
            bindparam("alert_id", type_=Notification.alert_id.type),
            literal(Channel.WEBHOOK.value),
            cast(WebhookEndpoint.id, String),
            literal(Kind.WEBHOOK_EVENT.value),
            payload,
            literal("msg_") + bindparam("token") + literal("_") + cast(WebhookEndpoint.id, String),
            literal(Status.PENDING.value),
            literal(0),
            now,
            now,
        )
        .where(WebhookEndpoint.shop_id == item_shop, _ENABLED, subscribed)
        .order_by(WebhookEndpoint.id)
    )
    return insert_statement(dialect, rows)


def queue_event(
    uow: UnitOfWork, event: str, data: dict[str, Any], *, item_id: int, alert_id: int | None
) -> int:
    """Queue one event of the item's shop for each enabled endpoint subscribed to it, in one
    INSERT … SELECT; returns how many rows were queued."""
    now = uow.now()
    envelope = {"type": event, "timestamp": iso(now), "data": data}
    params = {
        "now": now,
        "payload": json.dumps(envelope),
        "pattern": f"%,{event},%",
        "item_id": item_id,
        "alert_id": alert_id,
        "token": uuid.uuid4().hex,
    }
    return insert_rows(uow, _event_insert(uow.dialect), params)


def stock_changed(
    uow: UnitOfWork, *, item_id: int, movement_id: int, fields: dict[str, Any]
) -> int:
    """`stock.changed`: a movement of the item; `fields` are its name, sku, quantity, delta,
    reason and source."""
    data = {"item_id": item_id, **fields, "movement_id": movement_id}
    return queue_event(uow, STOCK_CHANGED, data, item_id=item_id, alert_id=None)


@cached_statement
def _alert_data_query() -> Any:
    taker = aliased(Member)
    has_endpoint = exists().where(WebhookEndpoint.shop_id == Alert.shop_id, _ENABLED)
    return (
        select(
            Alert.id,
            Alert.item_id,
            Item.name,
            Item.sku,
            Alert.resolved_at,
            Item.quantity,
            effective_threshold(),
            taker.display_name,
            Item.on_order,
            Item.order_due,
            Alert.resolution,
        )
        .join(Item, Item.id == Alert.item_id)
        .join(Shop, Shop.id == Alert.shop_id)
        .outerjoin(taker, taker.id == Alert.acknowledged_by)
        .where(Alert.id.in_(bindparam("alert_ids", expanding=True)), has_endpoint)
        .order_by(Alert.id)
    )


def _alert_data(row: Any) -> dict[str, Any]:
    alert_id, item_id, name, sku, resolved_at, quantity, threshold, taker, on_order, due, how = row
    return {
        "alert_id": alert_id,
        "item_id": item_id,
        "item_name": name,
        "sku": sku,
        "status": "open" if resolved_at is None else "resolved",
        "quantity": quantity,
        "threshold": threshold,
        "acknowledged_by": taker,
        "on_order": on_order,
        "order_due": iso(due),
        "resolution": how,
        "resolved_at": iso(resolved_at),
    }


def alert_event(uow: UnitOfWork, event: str, alert_ids: Sequence[int]) -> int:
    """Queue an alert event (opened, updated, resolved) for each alert, with the alert and
    its item as they are now; alerts of shops without an enabled endpoint cost this one
    read. Returns how many rows were queued."""
    if not alert_ids:
        return 0
    rows: list[Any] = list(uow.run(_alert_data_query(), {"alert_ids": list(alert_ids)}))
    return sum(
        queue_event(uow, event, _alert_data(row), item_id=row[1], alert_id=row[0]) for row in rows
    )
