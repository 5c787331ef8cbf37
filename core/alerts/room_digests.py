"""Reminders in the shop's room: one digest of all the shop's reminded alerts (SPEC 3.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from core.db.models import Notification, Shop
from core.db.models.outbox import pending_row
from core.db.session import UnitOfWork
from core.vocabulary import Channel, Kind


def queue_room_digests(uow: UnitOfWork, payloads: Mapping[int, dict[str, Any]]) -> int:
    """Queue each shop's reminder digest payload for its room, for the shops that have one;
    returns how many were queued (counted in the unit of work's `queued`)."""
    if not payloads or Channel.TELEGRAM not in uow.config.channels:
        return 0
    rooms = uow.session.execute(
        select(Shop.id, Shop.room_chat_id).where(
            Shop.id.in_(sorted(payloads)), Shop.room_chat_id.is_not(None)
        )
    ).all()
    now = uow.now()
    rows = [
        pending_row(
            shop_id=shop_id,
            member_id=None,
            channel=Channel.ROOM.value,
            recipient=str(chat_id),
            kind=Kind.REMINDER_DIGEST.value,
            payload=payloads[shop_id],
            idempotency_key=f"digest:room:{shop_id}:{now.isoformat()}",
            due=now,
            now=now,
        )
        for shop_id, chat_id in rooms
    ]
    if rows:
        uow.session.execute(insert(Notification), rows)
        uow.queued += len(rows)
    return len(rows)
