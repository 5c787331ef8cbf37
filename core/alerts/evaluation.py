"""Many items of one shop re-evaluated at once, after an import changed them: what
`lifecycle.evaluate_item` does for each, in a few set-based statements per chunk of items
instead of several per item (B7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, select, update

from core.alerts.cards import enqueue_cards
from core.alerts.notifications import enqueue_alert_messages, enqueue_back_in_stock
from core.alerts.reconcile import insert_opened, unalerted_low_items
from core.alerts.webhook_events import ALERT_OPENED, ALERT_RESOLVED, ALERT_UPDATED, alert_event
from core.db.models import Alert, Item, Shop, WebhookEndpoint
from core.db.session import UnitOfWork
from core.db.statements import in_chunks
from core.items.rules import is_low, is_stocked


@dataclass(frozen=True)
class Destinations:
    """Where the shop's alert changes show besides members' chats: its room, its webhooks."""

    room: bool
    webhooks: bool


def shop_destinations(uow: UnitOfWork, shop_id: int) -> Destinations:
    """Whether the shop has a room and an enabled webhook endpoint (as `ItemState` reads)."""
    webhooks = exists().where(
        WebhookEndpoint.shop_id == Shop.id, WebhookEndpoint.disabled_at.is_(None)
    )
    row: Any = uow.run(
        select(Shop.room_chat_id.is_not(None), webhooks).where(Shop.id == shop_id)
    ).one()
    return Destinations(room=bool(row[0]), webhooks=bool(row[1]))


def _items(item_ids: Sequence[int], condition: ColumnElement[bool]) -> Any:
    return (
        select(Item.id).join(Shop, Shop.id == Item.shop_id).where(Item.id.in_(item_ids), condition)
    )


def _resolve_restocked(uow: UnitOfWork, item_ids: Sequence[int], member_id: int | None) -> Any:
    """Lift the snoozes of the items no longer low, resolve their open alerts (`restocked`,
    by the member); the alerts resolved."""
    stocked = _items(item_ids, is_stocked())
    uow.run(
        update(Item)
        .where(Item.alert_snoozed_until.is_not(None), Item.id.in_(stocked))
        .values(alert_snoozed_until=None)
    )
    return uow.run(
        update(Alert)
        .where(Alert.resolved_at.is_(None), Alert.item_id.in_(stocked))
        .values(resolved_at=uow.now(), resolution="restocked", resolved_by=member_id)
        .returning(Alert.id)
    ).scalars()


def _still_low(uow: UnitOfWork, item_ids: Sequence[int]) -> Any:
    """The open alerts of the items that are still low (their cards and events show the
    item's new figures)."""
    return uow.run(
        select(Alert.id)
        .where(Alert.resolved_at.is_(None), Alert.item_id.in_(_items(item_ids, is_low())))
        .order_by(Alert.item_id)
    ).scalars()


def _open_missing(uow: UnitOfWork, item_ids: Sequence[int]) -> list[int]:
    """Open alerts, in item order, for the low items with none, not muted or snoozed."""
    return insert_opened(uow, unalerted_low_items(uow, Item.id.in_(item_ids)).order_by(Item.id))


def evaluate_items(
    uow: UnitOfWork, item_ids: Sequence[int], *, member_id: int | None, to: Destinations
) -> tuple[list[int], list[int]]:
    """Re-evaluate the items (of one shop, whose rows the caller has locked), each once:
    (alerts opened, alerts resolved), and every message, card and event queued that
    `evaluate_item` would queue for each of them."""
    opened: list[int] = []
    resolved: list[int] = []
    low: list[int] = []
    for chunk in in_chunks(sorted(item_ids)):
        resolved += sorted(_resolve_restocked(uow, chunk, member_id))
        low += _still_low(uow, chunk)
        opened += sorted(_open_missing(uow, chunk))
    if to.room:
        enqueue_cards(uow, resolved)
    if to.webhooks:
        alert_event(uow, ALERT_RESOLVED, resolved)
    enqueue_back_in_stock(uow, resolved)
    if to.room:
        enqueue_cards(uow, low)
    if to.webhooks:
        alert_event(uow, ALERT_UPDATED, low)
    enqueue_alert_messages(uow, opened)
    if to.room:
        enqueue_cards(uow, opened)
    if to.webhooks:
        alert_event(uow, ALERT_OPENED, opened)
    return opened, resolved
