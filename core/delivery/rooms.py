"""The room's budget (SPEC 3.1): at most ROOM_MESSAGES_PER_MINUTE messages a minute to a
shop's room, sends and edits together, decided when the relay claims the room's rows.

Several waiting updates of one card are one edit (the relay reads the alert when it sends).
When more rows wait than the minute allows, the new cards beyond the budget are folded into
one digest that lists them, so every new alert shows within the budget; edits wait for the
window to free a slot. Nothing is dropped. See docs/delivery.md, "The room's budget"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from core.db.models import Alert, Notification
from core.db.models.outbox import pending_row
from core.db.session import UnitOfWork
from core.delivery.content import read_notice
from core.delivery.held import merge_items, raw_item
from core.vocabulary import Channel, Kind, Status

ROOM_MESSAGES_PER_MINUTE = 20
WINDOW = timedelta(minutes=1)
# The most waiting rows of one room looked at in one claim.
LOOK_AHEAD = 500


def admit_to_room(uow: UnitOfWork, ids: Sequence[int], budget: int) -> list[int]:
    """Of the room rows a claim selected (and locked), the rows to lease now: one per room,
    the first in its queue once duplicates are folded, or none while its minute is full."""
    recipients = uow.session.scalars(
        select(Notification.recipient).where(Notification.id.in_(list(ids))).distinct()
    ).all()
    admitted: list[int] = []
    for recipient in sorted(recipients):
        first = _next_for_room(uow, recipient, budget)
        if first is not None:
            admitted.append(first)
    return admitted


def _next_for_room(uow: UnitOfWork, recipient: str, budget: int) -> int | None:
    now = uow.now()
    left = budget - _used(uow, recipient, now)
    queue = _queue(uow, recipient, now)
    if left <= 0:
        _wait_for_window(uow, [row.id for row in queue], _reopens(uow, recipient, now))
        return None
    queue = _fold_repeats(uow, queue)
    if len(queue) > left:
        queue = _fold_new_cards(uow, recipient, queue, left)
    return queue[0].id if queue else None


def _room(recipient: str) -> list[Any]:
    return [Notification.channel == Channel.ROOM.value, Notification.recipient == recipient]


def _used(uow: UnitOfWork, recipient: str, now: datetime) -> int:
    """Messages to the room in the last minute, and those in flight."""
    sent = (Notification.status == Status.SENT.value) & (Notification.sent_at > now - WINDOW)
    leased = (Notification.status == Status.PENDING.value) & (Notification.claimed_until > now)
    counted = select(func.count()).where(*_room(recipient), or_(sent, leased))
    return int(uow.session.scalar(counted) or 0)


def _reopens(uow: UnitOfWork, recipient: str, now: datetime) -> datetime:
    """When the minute frees a slot: a minute after the oldest message in it."""
    oldest = uow.session.scalar(
        select(func.min(Notification.sent_at)).where(
            *_room(recipient),
            Notification.status == Status.SENT.value,
            Notification.sent_at > now - WINDOW,
        )
    )
    return now + timedelta(seconds=1) if oldest is None else oldest + WINDOW


def _queue(uow: UnitOfWork, recipient: str, now: datetime) -> list[Any]:
    """The room's due rows in claim order, locked (PostgreSQL skips another relay's)."""
    return list(
        uow.session.execute(
            select(Notification.id, Notification.kind, Notification.alert_id)
            .where(
                *_room(recipient),
                Notification.status == Status.PENDING.value,
                Notification.next_attempt_at <= now,
                or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(LOOK_AHEAD)
            .with_for_update(skip_locked=True)
        ).all()
    )


def _wait_for_window(uow: UnitOfWork, ids: list[int], reopens: datetime) -> None:
    if ids:
        uow.session.execute(
            update(Notification).where(Notification.id.in_(ids)).values(next_attempt_at=reopens)
        )


def _fold(uow: UnitOfWork, ids: list[int], into: int) -> None:
    uow.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(status=Status.FOLDED.value, folded_into=into, claimed_until=None)
    )


def _fold_repeats(uow: UnitOfWork, queue: list[Any]) -> list[Any]:
    """Later waiting updates of a card are one edit with the first: the relay reads the
    alert when it sends it."""
    first_of: dict[int, int] = {}
    kept: list[Any] = []
    for row in queue:
        if row.kind != Kind.CARD or row.alert_id is None:
            kept.append(row)
        elif row.alert_id in first_of:
            _fold(uow, [row.id], first_of[row.alert_id])
        else:
            first_of[row.alert_id] = row.id
            kept.append(row)
    return kept


def _fold_new_cards(uow: UnitOfWork, recipient: str, queue: list[Any], left: int) -> list[Any]:
    """More rows wait than the minute allows: the new cards beyond the first `left - 1`
    rows go out as one digest in their place (their alerts get a card at their next
    change); edits wait their turn."""
    rest = queue[left - 1 :]
    carded = _carded(uow, recipient, [row.alert_id for row in rest if row.kind == Kind.CARD])
    new = [row for row in rest if row.kind == Kind.CARD and row.alert_id not in carded]
    if len(new) < 2:
        return queue
    digest_id = _new_cards_digest(uow, recipient, [row.id for row in new])
    _fold(uow, [row.id for row in new], digest_id)
    folded = {row.id for row in new}
    position = queue.index(new[0])
    kept = [row for row in queue[:position] if row.id not in folded]
    digest = (digest_id, Kind.HELD_DIGEST.value, None)
    return [*kept, digest, *(row for row in queue[position:] if row.id not in folded)]


def _carded(uow: UnitOfWork, recipient: str, alert_ids: list[Any]) -> set[int]:
    """Of these alerts, those with a card in this room already."""
    if not alert_ids:
        return set()
    return set(
        uow.session.scalars(
            select(Alert.id).where(
                Alert.id.in_(alert_ids),
                Alert.card_chat_id == int(recipient),
                Alert.card_message_id.is_not(None),
            )
        )
    )


def _new_cards_digest(uow: UnitOfWork, recipient: str, ids: list[int]) -> int:
    rows = uow.session.execute(
        select(Notification.shop_id, Notification.payload)
        .where(Notification.id.in_(ids))
        .order_by(Notification.id)
    ).all()
    items = merge_items(item for row in rows for item in read_notice(Kind.CARD, row.payload).items)
    now = uow.now()
    digest = pending_row(
        shop_id=rows[0].shop_id,
        member_id=None,
        channel=Channel.ROOM.value,
        recipient=recipient,
        kind=Kind.HELD_DIGEST.value,
        payload={"alerts": [raw_item(item) for item in items], "held": len(ids), "room": True},
        idempotency_key=f"held:room:{uuid.uuid4().hex}",
        due=now,
        now=now,
    )
    return int(uow.session.scalars(insert(Notification).returning(Notification.id), [digest]).one())


def remember_card(uow: UnitOfWork, alert_id: int, card: tuple[int, int]) -> None:
    """The alert's card is now this (chat, message): its next change edits that message."""
    chat_id, message_id = card
    uow.session.execute(
        update(Alert)
        .where(Alert.id == alert_id)
        .values(card_chat_id=chat_id, card_message_id=message_id)
    )
