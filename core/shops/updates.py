"""The inbox of Telegram updates taken by webhook (SPEC 5). Each update is stored before
Telegram gets its answer, once by its id (Telegram retries an update it saw no answer to,
and several processes may receive it), with its chat and payload. Any process then takes the
next update of a chat under a lease, one chat's updates one after the other in id order,
and marks it handled; a process killed meanwhile leaves it to another when the lease ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from core.db.dialect import insert_or_skip
from core.db.models import TelegramUpdate
from core.db.session import UnitOfWork

# Telegram gives up on an update after about a day; a handled one's id is kept a little longer.
KEPT = timedelta(days=2)
# How long a process may take to handle an update before another may take it over.
LEASE = timedelta(seconds=60)


def receive(
    uow: UnitOfWork, *, update_id: int, chat_id: int | None, payload: dict[str, Any]
) -> bool:
    """Store an update Telegram posted; False when it was stored already (a retry)."""
    statement = (
        insert_or_skip(uow.dialect, TelegramUpdate)
        .values(update_id=update_id, chat_id=chat_id, payload=payload, received_at=uow.now())
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    stored = (uow.run(statement).rowcount or 0) > 0
    uow.commit()
    return stored


@dataclass(frozen=True)
class TakenUpdate:
    """An update leased to this process: its payload, and the how-manieth time it is taken
    (more than once: a process died handling it, and its steps may have been made)."""

    update_id: int
    payload: dict[str, Any]
    attempt: int


def take_updates(uow: UnitOfWork, *, limit: int) -> list[TakenUpdate]:
    """Lease up to `limit` updates to handle now, each the oldest waiting of its chat and
    none of a chat that has one being handled; oldest first."""
    now = uow.now()
    waiting = TelegramUpdate.handled_at.is_(None)
    firsts = (
        select(func.min(TelegramUpdate.update_id)).where(waiting).group_by(TelegramUpdate.chat_id)
    )
    other = aliased(TelegramUpdate)
    chat_busy = exists().where(
        other.chat_id == TelegramUpdate.chat_id,
        other.handled_at.is_(None),
        other.claimed_until > now,
    )
    free = or_(TelegramUpdate.claimed_until.is_(None), TelegramUpdate.claimed_until <= now)
    rows = uow.session.execute(
        select(TelegramUpdate.update_id, TelegramUpdate.payload, TelegramUpdate.attempts)
        .where(waiting, free, TelegramUpdate.update_id.in_(firsts), ~chat_busy)
        .order_by(TelegramUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    ids = [row.update_id for row in rows]
    if ids:
        uow.run(
            update(TelegramUpdate)
            .where(TelegramUpdate.update_id.in_(ids))
            .values(claimed_until=now + LEASE, attempts=TelegramUpdate.attempts + 1)
        )
    uow.commit()
    return [
        TakenUpdate(row.update_id, row.payload, row.attempts + 1)
        for row in rows
        if row.payload is not None
    ]


def mark_handled(uow: UnitOfWork, *, update_id: int) -> None:
    """The update was handled: the chat's next one may go."""
    uow.run(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(handled_at=uow.now(), claimed_until=None, payload=None)
    )
    uow.commit()


def forget_old_updates(uow: UnitOfWork) -> int:
    """Drop the handled updates older than KEPT (housekeeping); how many."""
    cutoff = uow.now() - KEPT
    result = uow.run(
        delete(TelegramUpdate).where(
            TelegramUpdate.handled_at.is_not(None), TelegramUpdate.received_at < cutoff
        )
    )
    uow.commit()
    return int(result.rowcount or 0)
