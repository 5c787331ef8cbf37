"""The alert lifecycle of one item: open, stay quiet, resolve on restock or by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, bindparam, select, update
from sqlalchemy.orm import aliased

from core.alerts.cards import enqueue_cards
from core.alerts.notifications import enqueue_alert_messages, enqueue_back_in_stock
from core.alerts.webhook_events import ALERT_OPENED, ALERT_RESOLVED, ALERT_UPDATED, alert_event
from core.db.base import MAX_ID
from core.db.dialect import insert_or_skip
from core.db.models import Alert, Item, Member, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.errors import InvalidInput, NotFound
from core.items.lookups import ItemState, find_item_id, item_state
from core.items.rules import effective_threshold
from core.results import AlertView
from core.shops.members import require_member_ref
from core.validation import clean_item_name


@cached_statement
def _open_alert_insert(dialect: str) -> Any:
    item_id = bindparam("item_id", type_=Alert.item_id.type)
    now = bindparam("now", type_=Alert.created_at.type)
    return (
        insert_or_skip(dialect, Alert)
        .values(
            shop_id=select(Item.shop_id).where(Item.id == item_id).scalar_subquery(),
            item_id=item_id,
            quantity=bindparam("quantity", type_=Alert.quantity.type),
            threshold=bindparam("threshold", type_=Alert.threshold.type),
            created_at=now,
            last_notified_at=now,
            next_reminder_at=bindparam("next_reminder_at", type_=Alert.next_reminder_at.type),
        )
        .on_conflict_do_nothing(index_elements=["item_id"], index_where=Alert.resolved_at.is_(None))
        .returning(Alert.id)
    )


def open_alert(
    uow: UnitOfWork,
    item_id: int,
    *,
    quantity: int,
    threshold: int,
    room: bool = True,
    webhooks: bool = True,
) -> int | None:
    """Open an alert unless one is open already (the unique index decides under races).
    `room=False` (`webhooks=False`): the shop has no room (no webhook), none is looked for."""
    now = uow.now()
    alert_id: int | None = uow.run(
        _open_alert_insert(uow.dialect),
        {
            "item_id": item_id,
            "quantity": quantity,
            "threshold": threshold,
            "now": now,
            "next_reminder_at": now + uow.config.repeat_interval,
        },
    ).scalar()
    if alert_id is not None:
        enqueue_alert_messages(uow, [alert_id])
        if room:
            enqueue_cards(uow, [alert_id])
        if webhooks:
            alert_event(uow, ALERT_OPENED, [alert_id])
    return alert_id


def close_alert(
    uow: UnitOfWork,
    alert_id: int,
    *,
    resolution: str,
    member_id: int | None,
    room: bool = True,
    webhooks: bool = True,
) -> bool:
    """Resolve an open alert; False when someone else did first. `room`, `webhooks`: as above."""
    closed = uow.run(
        update(Alert)
        .where(Alert.id == alert_id, Alert.resolved_at.is_(None))
        .values(resolved_at=uow.now(), resolution=resolution, resolved_by=member_id)
        .returning(Alert.id)
    ).scalar()
    if closed is None:
        return False
    if room:
        enqueue_cards(uow, [alert_id])
    if webhooks:
        alert_event(uow, ALERT_RESOLVED, [alert_id])
    return True


def evaluate_item(
    uow: UnitOfWork, item_id: int, *, member_id: int | None, state: ItemState | None = None
) -> tuple[int | None, int | None]:
    """Re-evaluate one item after a change: returns (alert opened, alert resolved).

    The caller has just updated the item's row, so on PostgreSQL it holds that row's lock
    and evaluations of one item run one after the other. A caller that has just read the
    item's `item_state` passes it in to save reading it again."""
    row = item_state(uow, item_id) if state is None else state
    open_id = row.open_alert_id
    destinations = {"room": row.has_room, "webhooks": row.has_webhooks}
    if not row.is_low:
        if row.alert_snoozed_until is not None:
            uow.run(update(Item).where(Item.id == item_id).values(alert_snoozed_until=None))
        if open_id is not None and close_alert(
            uow, open_id, resolution="restocked", member_id=member_id, **destinations
        ):
            enqueue_back_in_stock(uow, [open_id])
            return None, open_id
        return None, None
    if open_id is not None:
        if row.has_room:  # its card shows the item's figures
            enqueue_cards(uow, [open_id])
        if row.has_webhooks:  # and so do its events
            alert_event(uow, ALERT_UPDATED, [open_id])
        return None, None
    snoozed = row.alert_snoozed_until is not None and row.alert_snoozed_until > uow.now()
    if snoozed or row.muted:
        return None, None
    opened = open_alert(
        uow, item_id, quantity=row.quantity, threshold=row.threshold, **destinations
    )
    return opened, None


def _alert_view_query(*conditions: Any, limit: int | None, by_id: bool) -> Executable:
    resolver, acknowledger = aliased(Member), aliased(Member)
    # Labelled as the AlertView fields they fill (the shop's timezone becomes its zone).
    return (
        select(
            Alert.id,
            Alert.item_id,
            Item.name.label("item_name"),
            Alert.quantity.label("quantity_at_alert"),
            Alert.threshold.label("threshold_at_alert"),
            Item.quantity.label("current_quantity"),
            effective_threshold().label("current_threshold"),
            Alert.created_at,
            Alert.last_notified_at,
            Alert.next_reminder_at,
            Alert.resolved_at,
            Alert.resolution,
            resolver.display_name.label("resolved_by_name"),
            acknowledger.display_name.label("acknowledged_by_name"),
            Alert.acknowledged_at,
            Alert.snoozed_until,
            Item.on_order,
            Item.order_due,
            Shop.timezone,
        )
        .join(Item, Item.id == Alert.item_id)
        .join(Shop, Shop.id == Alert.shop_id)
        .outerjoin(resolver, resolver.id == Alert.resolved_by)
        .outerjoin(acknowledger, acknowledger.id == Alert.acknowledged_by)
        .where(*conditions)
        .order_by(*((Alert.id,) if by_id else (Alert.resolved_at.is_not(None), Alert.id.desc())))
        .limit(limit)
    )


def alert_views(
    uow: UnitOfWork, *conditions: Any, limit: int | None = None, by_id: bool = False
) -> list[AlertView]:
    """Alerts matching the conditions, open ones first, newest first (`by_id`: by id, for
    pages); a snooze that is over shows as none."""
    now = uow.now()
    views = []
    for row in uow.run(_alert_view_query(*conditions, limit=limit, by_id=by_id)).mappings():
        fields = dict(row)
        fields["zone"] = uow.config.zone(fields.pop("timezone"))
        if fields["snoozed_until"] is not None and fields["snoozed_until"] <= now:
            fields["snoozed_until"] = None
        views.append(AlertView(**fields))
    return views


def list_alerts(
    uow: UnitOfWork, *, telegram_user_id: int, include_resolved: bool = False, limit: int = 100
) -> list[AlertView]:
    """The shop's open alerts, newest first; with history, resolved ones after them."""
    member = require_member_ref(uow, telegram_user_id)
    conditions = [Alert.shop_id == member.shop_id]
    if not include_resolved:
        conditions.append(Alert.resolved_at.is_(None))
    return alert_views(uow, *conditions, limit=limit)


def get_alert(uow: UnitOfWork, *, telegram_user_id: int, alert_id: int) -> AlertView:
    """One alert of the member's shop; another shop's alert is "not found" too."""
    member = require_member_ref(uow, telegram_user_id)
    views: list[AlertView] = []
    # An id outside the column's range cannot exist, and SQLite refuses to even bind it.
    if 0 < alert_id <= MAX_ID:
        views = alert_views(uow, Alert.id == alert_id, Alert.shop_id == member.shop_id)
    if not views:
        raise NotFound(f"Alert #{alert_id} was not found.")
    return views[0]


def alert_id_for_item(uow: UnitOfWork, shop_id: int, item_name: str) -> int:
    """The open alert of the shop's item of that name, or NotFound."""
    alert_id = item_state(uow, find_item_id(uow, shop_id, item_name)).open_alert_id
    if alert_id is None:
        raise NotFound(f"“{clean_item_name(item_name)}” has no open alert.")
    return alert_id


def resolve_alert(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    alert_id: int | None = None,
    item_name: str | None = None,
) -> AlertView:
    """Resolve an alert by hand; the item stays quiet for the repeat interval unless it is
    restocked and falls again."""
    member = require_member_ref(uow, telegram_user_id)
    if alert_id is None:
        alert_id = alert_id_for_item(uow, member.shop_id, item_name or "")
    alert = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    resolve_by_hand(uow, alert, member_id=member.id)
    resolved = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    uow.commit()
    return resolved


def resolve_by_hand(uow: UnitOfWork, alert: AlertView, *, member_id: int | None) -> None:
    """Resolve an open alert (`manual`) and keep its item quiet for the repeat interval."""
    # Item row first, then the alert: the order stock changes take them in, so a resolve that
    # races a restock of the same item waits for it instead of deadlocking with it.
    uow.run(select(Item.id).where(Item.id == alert.item_id).with_for_update())
    if not close_alert(uow, alert.id, resolution="manual", member_id=member_id):
        raise InvalidInput(f"Alert #{alert.id} is already resolved.")
    uow.run(
        update(Item)
        .where(Item.id == alert.item_id)
        .values(alert_snoozed_until=uow.now() + uow.config.repeat_interval)
    )
