"""Orders (SPEC 2.8): what is on order for an item and when it is due. An open alert waits
for it (no reminders before the due date, "overdue" ones after); stock received clears what
it covers (core.stock.changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update

from core.alerts.cards import enqueue_cards
from core.alerts.shop_alerts import alert_of_shop
from core.alerts.webhook_events import ALERT_UPDATED, alert_event
from core.db.models import Alert, Item
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.items.lookups import ensure_not_deleted, find_item_id, item_state, item_view
from core.results import OrderChange
from core.shops.members import require_member_ref
from core.shops.views import ApiCaller
from core.shops.zones import shop_zone
from core.validation import check_amount, parse_due_date

# When nobody says: due in three days, and enough to reach twice the threshold.
DEFAULT_DELIVERY = timedelta(days=3)


def _set_order(uow: UnitOfWork, item_id: int, name: str, quantity: int, due: date | None) -> None:
    updated = uow.run(
        update(Item)
        .where(Item.id == item_id, Item.deleted_at.is_(None))
        .values(on_order=quantity, order_due=due, updated_at=uow.now())
    )
    if not updated.rowcount:
        ensure_not_deleted(uow, item_id, name)


def _alert_waits(uow: UnitOfWork, item_id: int, values: dict[str, object]) -> int | None:
    return uow.run(
        update(Alert)
        .where(Alert.item_id == item_id, Alert.resolved_at.is_(None))
        .values(**values)
        .returning(Alert.id)
    ).scalar()


def order_item(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    name: str,
    quantity: int | None = None,
    due: str | None = None,
) -> OrderChange:
    """Record an order for an item: `quantity` (default: enough to reach twice its
    threshold) due on `due` (default: in three days), on the shop's clock."""
    member = require_member_ref(uow, telegram_user_id)
    item_id = find_item_id(uow, member.shop_id, name)
    return place_order(
        uow,
        shop_id=member.shop_id,
        member_id=member.id,
        item_id=item_id,
        name=name,
        quantity=quantity,
        due=due,
    )


def place_order(
    uow: UnitOfWork,
    *,
    shop_id: int,
    member_id: int | None,
    item_id: int,
    name: str,
    quantity: int | None = None,
    due: str | None = None,
) -> OrderChange:
    """Record an order for the shop's item by a member (or the API: None), and commit."""
    zone = shop_zone(uow, shop_id)
    today = uow.now().astimezone(zone).date()
    due_date = today + DEFAULT_DELIVERY if due is None else parse_due_date(due, today)
    state = item_state(uow, item_id)
    wanted = max(2 * state.threshold - state.quantity, 1) if quantity is None else quantity
    check_amount(wanted)
    _set_order(uow, item_id, name, wanted, due_date)
    overdue_at = datetime.combine(due_date + timedelta(days=1), time(0), tzinfo=zone)
    alert_id = _alert_waits(
        uow,
        item_id,
        {
            "ordered_by": member_id,
            "ordered_at": uow.now(),
            "ordered_quantity": wanted,
            "order_due": due_date,
            "order_overdue_at": overdue_at.astimezone(UTC),
        },
    )
    if alert_id is not None:
        enqueue_cards(uow, [alert_id])
        alert_event(uow, ALERT_UPDATED, [alert_id])
    change = OrderChange(item_view(uow, item_id), wanted, due_date, alert_id)
    uow.commit()
    return change


def cancel_order(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> OrderChange:
    """`/ordered NAME off`: nothing is on order any more; its alert is reminded again."""
    member = require_member_ref(uow, telegram_user_id)
    item_id = find_item_id(uow, member.shop_id, name)
    if item_state(uow, item_id).on_order == 0:
        raise InvalidInput(f"Nothing is on order for {item_view(uow, item_id).name}.")
    _set_order(uow, item_id, name, 0, None)
    alert_id = _alert_waits(uow, item_id, {"order_overdue_at": None})
    if alert_id is not None:
        enqueue_cards(uow, [alert_id])
        alert_event(uow, ALERT_UPDATED, [alert_id])
    change = OrderChange(item_view(uow, item_id), 0, None, alert_id)
    uow.commit()
    return change


def order_for_alert(
    uow: UnitOfWork,
    *,
    caller: ApiCaller,
    alert_id: int,
    quantity: int | None = None,
    due: str | None = None,
) -> OrderChange:
    """The API's "Ordered": an order for the open alert's item (the defaults as /ordered)."""
    alert = alert_of_shop(uow, shop_id=caller.shop_id, alert_id=alert_id)
    if not alert.is_open:
        raise InvalidInput(f"Alert {alert_id} is already resolved.")
    return place_order(
        uow,
        shop_id=caller.shop_id,
        member_id=None,
        item_id=alert.item_id,
        name=alert.item_name,
        quantity=quantity,
        due=due,
    )
