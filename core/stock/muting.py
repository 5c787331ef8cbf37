"""Muting an item (SPEC 2.9): it keeps its threshold but never alerts, e.g. a discontinued or
seasonal one, until it is unmuted, which re-evaluates it at once."""

from __future__ import annotations

from sqlalchemy import update

from core.alerts.lifecycle import close_alert, evaluate_item
from core.db.models import Item
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.items.lookups import ensure_not_deleted, find_item_id, item_state, item_view
from core.results import MuteChange
from core.shops.members import require_member_ref


def _switch(uow: UnitOfWork, item_id: int, name: str, *, muted: bool) -> None:
    """Set the flag (the item's row locked first, as every change does), or refuse a switch
    that changes nothing."""
    switched = uow.run(
        update(Item)
        .where(Item.id == item_id, Item.deleted_at.is_(None), Item.muted.is_(not muted))
        .values(muted=muted, updated_at=uow.now())
    )
    if not switched.rowcount:
        ensure_not_deleted(uow, item_id, name)
        shown = item_view(uow, item_id).name
        raise InvalidInput(f"{shown} is already muted." if muted else f"{shown} is not muted.")


def mute_item(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> MuteChange:
    """Mute an item (admins): its open alert is resolved (`muted`), and it never alerts."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    item_id = find_item_id(uow, admin.shop_id, name)
    _switch(uow, item_id, name, muted=True)
    open_id = item_state(uow, item_id).open_alert_id
    resolved = None
    if open_id is not None and close_alert(uow, open_id, resolution="muted", member_id=admin.id):
        resolved = open_id
    change = MuteChange(item=item_view(uow, item_id), alert_resolved=resolved)
    uow.commit()
    return change


def unmute_item(uow: UnitOfWork, *, telegram_user_id: int, name: str) -> MuteChange:
    """Unmute an item (admins) and evaluate it at once: still low, it alerts now."""
    admin = require_member_ref(uow, telegram_user_id, admin=True)
    item_id = find_item_id(uow, admin.shop_id, name)
    _switch(uow, item_id, name, muted=False)
    opened, _ = evaluate_item(uow, item_id, member_id=admin.id)
    change = MuteChange(item=item_view(uow, item_id), alert_opened=opened)
    uow.commit()
    return change
