"""Alert cards in the shop's room (SPEC 3.1): every change of an alert queues its card.

A card row carries no text: the relay reads the alert as it is when it sends the row
(core.alerts.card_state), so changes made while a row waits show in that one edit. A change
therefore queues a row only when its alert has none waiting yet; one being sent already may
show the state from before the change, so then another is queued."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, bindparam, cast, exists, literal, null, select
from sqlalchemy.orm import aliased

from core.alerts.notifications import alert_payload, insert_rows, insert_statement
from core.db.models import Alert, Item, Notification, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement, in_chunks
from core.items.rules import effective_threshold
from core.shops.rooms import bind_room
from core.shops.views import RoomChange
from core.vocabulary import Channel, Kind, Status


@cached_statement
def _card_insert(dialect: str) -> Any:
    now = bindparam("now", type_=Notification.created_at.type)
    waiting = aliased(Notification)
    one_waiting = exists().where(
        waiting.alert_id == Alert.id,
        waiting.kind == Kind.CARD.value,
        waiting.status == Status.PENDING.value,
        waiting.claimed_until.is_(None),
    )
    key = literal("card:") + cast(Alert.id, String) + literal(":") + bindparam("token")
    rows = (
        select(
            Alert.shop_id,
            null(),
            Alert.id,
            literal(Channel.ROOM.value),
            cast(Shop.room_chat_id, String),
            literal(Kind.CARD.value),
            alert_payload(dialect, quantity=Item.quantity, threshold=effective_threshold()),
            key,
            literal(Status.PENDING.value),
            literal(0),
            now,
            now,
        )
        .join(Item, Item.id == Alert.item_id)
        .join(Shop, Shop.id == Alert.shop_id)
        .where(
            Alert.id.in_(bindparam("alert_ids", expanding=True)),
            Shop.room_chat_id.is_not(None),
            ~one_waiting,
        )
        .order_by(Alert.id)  # the room gets its cards oldest alert first
    )
    return insert_statement(dialect, rows)


def enqueue_cards(uow: UnitOfWork, alert_ids: Sequence[int]) -> int:
    """Queue an update of each alert's card in its shop's room (the first one creates the
    card); alerts of shops without a room are skipped. Returns how many were queued."""
    if not alert_ids or Channel.TELEGRAM not in uow.config.channels:
        return 0
    statement = _card_insert(uow.dialect)
    token = uuid.uuid4().hex
    return sum(
        insert_rows(uow, statement, {"alert_ids": list(chunk), "now": uow.now(), "token": token})
        for chunk in in_chunks(alert_ids)
    )


def open_alert_ids(uow: UnitOfWork, shop_id: int) -> list[int]:
    """The shop's open alerts of items still kept, oldest first (a new room's first cards)."""
    return list(
        uow.session.scalars(
            select(Alert.id)
            .join(Item, Item.id == Alert.item_id)
            .where(Alert.shop_id == shop_id, Alert.resolved_at.is_(None), Item.deleted_at.is_(None))
            .order_by(Alert.id)
        )
    )


def set_up_room(
    uow: UnitOfWork, *, telegram_user_id: int, chat_id: int, thread_id: int | None, title: str
) -> RoomChange:
    """/setup: the group (and topic) becomes the admin's shop's room, and each open alert
    gets its card there (the room's budget folds a long list into one digest)."""
    change = bind_room(
        uow, telegram_user_id=telegram_user_id, chat_id=chat_id, thread_id=thread_id, title=title
    )
    enqueue_cards(uow, open_alert_ids(uow, change.shop_id))
    uow.commit()
    return change
