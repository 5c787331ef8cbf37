"""What a reminder says besides what low means (SPEC 2.8): who is on the alert, and an order
that is late ("ordered 48 on 1 Dec, due 4 Dec: 2 days late")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select

from core.db.models import Alert, Item, Member, Shop
from core.db.session import UnitOfWork
from core.db.statements import in_chunks


def handling_notes(uow: UnitOfWork, alert_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """For each alert that has one, the payload fields of its notes: `taken_by` (a name) and
    `order` (quantity still on order, ordered on, due, days late on the shop's clock)."""
    notes: dict[int, dict[str, Any]] = {}
    ordered = and_(Item.on_order > 0, Alert.order_due.is_not(None))
    for chunk in in_chunks(alert_ids):
        rows: Any = uow.run(
            select(
                Alert.id,
                Member.display_name,
                Item.on_order,
                Alert.ordered_at,
                Alert.order_due,
                Shop.timezone,
            )
            .join(Item, Item.id == Alert.item_id)
            .join(Shop, Shop.id == Alert.shop_id)
            .outerjoin(Member, Member.id == Alert.acknowledged_by)
            .where(Alert.id.in_(list(chunk)), or_(Alert.acknowledged_by.is_not(None), ordered))
        )
        for alert_id, taken_by, on_order, ordered_at, due, timezone in rows:
            note: dict[str, Any] = {}
            if taken_by is not None:
                note["taken_by"] = taken_by
            if on_order and due is not None and ordered_at is not None:
                zone = uow.config.zone(timezone)
                today = uow.now().astimezone(zone).date()
                note["order"] = {
                    "quantity": on_order,
                    "ordered_on": ordered_at.astimezone(zone).date().isoformat(),
                    "due": due.isoformat(),
                    "days_late": max((today - due).days, 0),
                }
            notes[alert_id] = note
    return notes
