"""The outbox: notifications written in the same transaction as the event that causes them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, and_, bindparam, case, cast, exists, literal, null, or_, select
from sqlalchemy.orm import aliased

from core.db.dialect import insert_or_skip, json_object
from core.db.models import Alert, Item, Member, Notification, Shop
from core.db.session import UnitOfWork
from core.db.statements import cached_statement, in_chunks
from core.items.rules import effective_threshold
from core.vocabulary import Channel, Kind, Status

# While a shop has a room its alerts and reminders go there, and to a member's private chat
# only if they asked for them there too (SPEC 3.1).
_ROOM_SHOP = aliased(Shop)
_PRIVATE_ALERTS = or_(
    Member.private_alerts.is_(True),
    ~exists().where(_ROOM_SHOP.id == Member.shop_id, _ROOM_SHOP.room_chat_id.is_not(None)),
)
# Where each channel finds a member's address for alerts and reminders: NULL (no message)
# for an email address or WhatsApp number that still waits for /verify
# (core.shops.verification); a Telegram chat is the member's own and needs no verification.
RECIPIENT_COLUMNS: dict[Channel, Any] = {
    Channel.TELEGRAM: case((_PRIVATE_ALERTS, Member.chat_id), else_=null()),
    Channel.EMAIL: case((Member.email_verified_at.is_not(None), Member.email), else_=null()),
    Channel.WHATSAPP: case(
        (Member.whatsapp_verified_at.is_not(None), Member.whatsapp), else_=null()
    ),
}


# The columns every INSERT … SELECT into the outbox fills, in the order its SELECT lists them.
NOTIFICATION_COLUMNS = (
    "shop_id",
    "member_id",
    "alert_id",
    "channel",
    "recipient",
    "kind",
    "payload",
    "idempotency_key",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def insert_statement(dialect: UnitOfWork | str, rows: Any) -> Any:
    return (
        insert_or_skip(dialect, Notification)
        .from_select(NOTIFICATION_COLUMNS, rows)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )


def insert_rows(uow: UnitOfWork, statement: Any, params: Any = None) -> int:
    """Run an outbox INSERT and count its rows in the unit of work's `queued`."""
    result = uow.run(statement, params)
    inserted = result.rowcount or 0
    uow.queued += inserted
    return inserted


def _key(prefix: str, channel: str) -> Any:
    return (
        literal(prefix + ":")
        + cast(Alert.id, String)
        + literal(":")
        + cast(Member.id, String)
        + literal(":" + channel)
    )


def alert_payload(dialect: str, *, quantity: Any, threshold: Any) -> Any:
    """The payload the relay reads back (core.delivery.content): the alert, its item and the
    figures the message shows, built by the database."""
    return json_object(
        dialect, alert_id=Alert.id, item_name=Item.name, quantity=quantity, threshold=threshold
    )


def _escalation_payload(dialect: str) -> Any:
    """An escalation's payload: the alert's item as it is now, and how long the alert has
    gone unhandled (the shop's escalation time, which it has just passed)."""
    return json_object(
        dialect,
        alert_id=Alert.id,
        item_name=Item.name,
        quantity=Item.quantity,
        threshold=effective_threshold(),
        unhandled_seconds=Shop.escalate_after_seconds,
    )


@cached_statement
def _alert_messages_insert(dialect: str, channel: str, kind: str) -> Any:
    escalation = kind == Kind.ESCALATION
    # An escalation is for the admins themselves: it reaches their chat, room or not.
    private = escalation and channel == Channel.TELEGRAM
    recipient = Member.chat_id if private else RECIPIENT_COLUMNS[Channel(channel)]
    now = bindparam("now", type_=Notification.created_at.type)
    audience = [Member.shop_id == Alert.shop_id, Member.notify.is_(True)]
    if escalation:  # an escalation goes to the shop's admins only
        audience.append(Member.role == "admin")
    payload = (
        _escalation_payload(dialect)
        if escalation
        else alert_payload(dialect, quantity=Alert.quantity, threshold=Alert.threshold)
    )
    rows = (
        select(
            Alert.shop_id,
            Member.id,
            Alert.id,
            literal(channel),
            cast(recipient, String),
            literal(kind),
            payload,
            _key(kind, channel),
            literal(Status.PENDING.value),
            literal(0),
            now,
            now,
        )
        .join(Item, Item.id == Alert.item_id)
        .join(Shop, Shop.id == Alert.shop_id)
        .join(Member, and_(*audience))
        .where(Alert.id.in_(bindparam("alert_ids", expanding=True)), recipient.is_not(None))
    )
    return insert_statement(dialect, rows)


def enqueue_alert_messages(
    uow: UnitOfWork, alert_ids: Sequence[int], *, kind: str = Kind.ALERT
) -> int:
    """Queue a new-alert message (or an escalation, to the admins) for every member of the
    shop with alerts on, on each of their channels that is switched on; returns how many
    were queued."""
    queued = 0
    now = uow.now()
    for channel in sorted(uow.config.channels):
        statement = _alert_messages_insert(uow.dialect, channel, str(kind))
        for chunk in in_chunks(alert_ids):
            queued += insert_rows(uow, statement, {"alert_ids": list(chunk), "now": now})
    return queued


def _back_in_stock_rows(uow: UnitOfWork, alert_ids: Sequence[int]) -> Any:
    """Rows of NOTIFICATION_COLUMNS: one Telegram note per member who was told of an alert."""
    now = uow.now()
    told = (
        select(Notification.alert_id, Notification.member_id)
        .where(Notification.alert_id.in_(alert_ids), Notification.kind == Kind.ALERT.value)
        .distinct()
        .subquery()
    )
    return (
        select(
            Alert.shop_id,
            Member.id,
            Alert.id,
            literal(Channel.TELEGRAM.value),
            cast(Member.chat_id, String),
            literal(Kind.BACK_IN_STOCK.value),
            alert_payload(uow.dialect, quantity=Item.quantity, threshold=effective_threshold()),
            _key("back", Channel.TELEGRAM.value),
            literal(Status.PENDING.value),
            literal(0),
            literal(now, type_=Notification.next_attempt_at.type),
            literal(now, type_=Notification.created_at.type),
        )
        .select_from(told)
        .join(Alert, Alert.id == told.c.alert_id)
        .join(Item, Item.id == Alert.item_id)
        .join(Shop, Shop.id == Item.shop_id)
        .join(Member, and_(Member.id == told.c.member_id, Member.notify.is_(True)))
    )


def enqueue_back_in_stock(uow: UnitOfWork, alert_ids: Sequence[int]) -> int:
    """Queue a short Telegram "back in stock" message to each member who was told of these
    alerts and still has alerts on; returns how many were queued."""
    if Channel.TELEGRAM not in uow.config.channels:
        return 0
    return sum(
        insert_rows(uow, insert_statement(uow, _back_in_stock_rows(uow, list(chunk))))
        for chunk in in_chunks(alert_ids)
    )
