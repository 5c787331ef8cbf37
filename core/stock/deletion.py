"""Deleting an item: its stock goes to 0 in the ledger (a stock.changed event with reason
`delete`) and its open alert is resolved."""

from __future__ import annotations

from sqlalchemy import update

from core.alerts.lifecycle import close_alert
from core.db.models import Item
from core.db.session import UnitOfWork
from core.items.lookups import item_view
from core.results import StockChange
from core.stock.ledger import lock_quantity, write_movement


def delete_by_id(
    uow: UnitOfWork, item_id: int, *, member_id: int | None, source: str | None = None
) -> StockChange:
    """Delete an item by a member (or a `source`): a ledger row takes its stock to 0 and its
    open alert is resolved (`deleted`); commits."""
    view = item_view(uow, item_id)
    before = lock_quantity(uow, item_id, view.name)
    now = uow.now()
    uow.run(
        update(Item).where(Item.id == item_id).values(deleted_at=now, quantity=0, updated_at=now)
    )
    movement = {"reason": "delete", "delta": -before, "quantity_after": 0, "created_at": now}
    movement |= {"member_id": member_id, "source": source, "note": None}
    state = write_movement(uow, item_id, movement)
    open_id = state.open_alert_id
    if open_id is not None:
        close_alert(
            uow,
            open_id,
            resolution="deleted",
            member_id=member_id,
            room=state.has_room,
            webhooks=state.has_webhooks,
        )
    uow.commit()
    return StockChange(item=view, delta=-before, alert_resolved=open_id)
