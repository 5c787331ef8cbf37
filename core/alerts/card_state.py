"""What the relay reads when it sends a card: the alert as it is at that moment (so changes
made while the row waited show in one edit) and the room it goes to (SPEC 3.1)."""

from __future__ import annotations

from sqlalchemy import select

from core.alerts.lifecycle import alert_views
from core.db.models import Alert, Shop
from core.db.session import UnitOfWork
from core.results import CardState, RoomTarget


def room_target(uow: UnitOfWork, shop_id: int) -> RoomTarget | None:
    """The shop's room, or None when it has none (any more)."""
    row = uow.session.execute(
        select(Shop.room_chat_id, Shop.room_thread_id).where(Shop.id == shop_id)
    ).first()
    if row is None or row.room_chat_id is None:
        return None
    return RoomTarget(chat_id=row.room_chat_id, thread_id=row.room_thread_id)


def card_state(uow: UnitOfWork, alert_id: int) -> CardState | None:
    """The alert's card as it should read now; None when its shop has no room (any more)."""
    found = uow.session.execute(
        select(Alert.shop_id, Alert.card_chat_id, Alert.card_message_id, Alert.order_due).where(
            Alert.id == alert_id
        )
    ).first()
    if found is None:
        return None
    room = room_target(uow, found.shop_id)
    views = alert_views(uow, Alert.id == alert_id)
    if room is None or not views:
        return None
    alert = views[0]
    # A card in another chat (an earlier room) is not this room's: a new card is sent.
    message_id = found.card_message_id if found.card_chat_id == room.chat_id else None
    days_late = 0
    if alert.is_open and alert.on_order and found.order_due is not None:
        today = uow.now().astimezone(alert.zone).date()
        days_late = max((today - found.order_due).days, 0)
    return CardState(alert=alert, room=room, message_id=message_id, days_late=days_late)
