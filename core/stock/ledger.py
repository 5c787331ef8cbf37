"""The movement ledger: every quantity change written down, then the item re-evaluated."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, insert, select, update

from core.alerts.lifecycle import evaluate_item
from core.alerts.webhook_events import stock_changed
from core.db.models import Item, Movement
from core.db.session import UnitOfWork
from core.db.statements import cached_statement
from core.items.lookups import ItemState, item_state, no_such_item
from core.results import StockChange
from core.validation import clean_item_name


@cached_statement
def movement_insert() -> Insert:
    # On the table, not the mapped class: a plain INSERT skips the ORM's bulk machinery. The
    # movement's id is its stock.changed event's.
    table: Table = Movement.__table__  # type: ignore[assignment]
    return insert(table).returning(table.c.id)


def write_movement(uow: UnitOfWork, item_id: int, movement: dict[str, Any]) -> ItemState:
    """Write a movement of the item (`movement`: its member_id, reason, delta,
    quantity_after, created_at, source and note), queue its stock.changed event if the shop
    has webhooks, and return the item's state as it now is."""
    movement_id: int = uow.run(movement_insert(), {"item_id": item_id, **movement}).scalar_one()
    state = item_state(uow, item_id)
    announce_movement(uow, item_id, movement, movement_id, state)
    return state


def announce_movement(
    uow: UnitOfWork, item_id: int, movement: dict[str, Any], movement_id: int, state: ItemState
) -> None:
    """Queue the written movement's stock.changed event, if the shop has webhooks."""
    if state.has_webhooks:
        fields = {"name": state.name, "sku": state.sku, "quantity": movement["quantity_after"]}
        fields |= {key: movement[key] for key in ("delta", "reason", "source")}
        stock_changed(uow, item_id=item_id, movement_id=movement_id, fields=fields)


@cached_statement
def _lock_quantity_query() -> Select[Any]:
    live = (Item.id == bindparam("item_id"), Item.deleted_at.is_(None))
    return select(Item.quantity).where(*live).with_for_update()


def record_change(
    uow: UnitOfWork,
    *,
    item_id: int,
    member_id: int | None,
    reason: str,
    delta: int,
    after: int,
    source: str | None = None,
    note: str | None = None,
) -> StockChange:
    """Write the movement (by a member, or by a `source` such as an API key or a point of
    sale), queue its stock.changed event, open or resolve the item's alert, commit; the
    change as shown."""
    change = write_change(
        uow,
        item_id=item_id,
        member_id=member_id,
        reason=reason,
        delta=delta,
        after=after,
        source=source,
        note=note,
    )
    uow.commit()
    return change


def write_change(
    uow: UnitOfWork,
    *,
    item_id: int,
    member_id: int | None,
    reason: str,
    delta: int,
    after: int,
    source: str | None = None,
    note: str | None = None,
) -> StockChange:
    """What record_change does but the commit: for several changes in one transaction."""
    movement: dict[str, Any] = {"member_id": member_id, "reason": reason, "delta": delta}
    movement |= {"quantity_after": after, "created_at": uow.now(), "source": source, "note": note}
    state = write_movement(uow, item_id, movement)
    return evaluated_change(uow, item_id, member_id, delta, state)


def evaluated_change(
    uow: UnitOfWork, item_id: int, member_id: int | None, delta: int, state: ItemState
) -> StockChange:
    """Open or resolve the item's alert after a written movement; the change as shown."""
    opened, resolved = evaluate_item(uow, item_id, member_id=member_id, state=state)
    # Evaluating changes alerts and snoozes, never what the view shows, so the state read
    # before it is still the item as it now is.
    return StockChange(
        item=state.view(item_id), delta=delta, alert_opened=opened, alert_resolved=resolved
    )


def lock_quantity(uow: UnitOfWork, item_id: int, name: str) -> int:
    """The quantity, the row locked until the commit: a stocktake's or a deletion's
    read-then-write is then race-free. NotFound if the item was deleted meanwhile (the
    lock waited for the deletion, and PostgreSQL then reads the row as it is now)."""
    quantity: int | None = uow.run(_lock_quantity_query(), {"item_id": item_id}).scalar()
    if quantity is None:
        raise no_such_item(clean_item_name(name))
    return quantity


def import_quantity(
    uow: UnitOfWork,
    *,
    item_id: int,
    name: str,
    quantity: int,
    member_id: int | None = None,
    source: str | None = None,
) -> StockChange | None:
    """Set a live item's quantity as an import does (a point of sale's count, a sent
    spreadsheet) under its row lock: reason `import`, its alert evaluated; None when it
    already had that quantity."""
    before = lock_quantity(uow, item_id, name)
    if before == quantity:
        return None
    uow.run(update(Item).where(Item.id == item_id).values(quantity=quantity, updated_at=uow.now()))
    return write_change(
        uow,
        item_id=item_id,
        member_id=member_id,
        reason="import",
        delta=quantity - before,
        after=quantity,
        source=source,
    )
