"""The inbox of Telegram updates taken by webhook (SPEC 5). Each update is stored before
Telegram gets its answer, once by its id (Telegram retries an update it saw no answer to,
and several processes may receive it), with its chat and payload. Any process then takes the
next update of a chat under a lease, one chat's updates one after the other in id order,
and marks it handled; a process killed meanwhile leaves it to another when the lease ends.
The common cases lease without a transaction of their own: an update of an idle chat goes
to the process it was posted to as it is stored, and a chat's next waiting update to the
process that marks the last one handled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from core.db.dialect import advisory_lock, insert_or_skip
from core.db.models import TelegramUpdate
from core.db.session import UnitOfWork

# Telegram gives up on an update after about a day; a handled one's id is kept a little longer.
KEPT = timedelta(days=2)
# How long a process may take to handle an update before another may take it over.
LEASE = timedelta(seconds=60)
# The advisory lock that makes one transaction at a time decide whether a chat is idle.
CHAT_LOCK_KEY = 0x7_E1E_0D0


@dataclass(frozen=True)
class TakenUpdate:
    """An update leased to this process: its payload, and the how-manieth time it is taken
    (more than once: a process died handling it, and its steps may have been made)."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class Received:
    """What became of a posted update: stored (False: a retry of one stored already), and
    leased at once to this process when its chat had nothing else waiting."""

    stored: bool
    taken: TakenUpdate | None = None


def receive(
    uow: UnitOfWork,
    *,
    update_id: int,
    chat_id: int | None,
    payload: dict[str, Any],
    take: bool = False,
) -> Received:
    """Store an update Telegram posted; with `take`, lease it to the caller in the same
    transaction when its chat has no other update waiting (none can then be handled before
    it), which spares the caller taking it as a transaction of its own."""
    now = uow.now()
    idle = False
    if take:
        if chat_id is not None:
            # Two updates of one idle chat posted to two processes at once: one leases its
            # own, the other then sees it waiting and leaves its own to be taken in turn.
            advisory_lock(uow, CHAT_LOCK_KEY, chat_id)
        idle = chat_id is None or _nothing_waiting(uow, chat_id)
    statement = (
        insert_or_skip(uow.dialect, TelegramUpdate)
        .values(
            update_id=update_id,
            chat_id=chat_id,
            payload=payload,
            received_at=now,
            claimed_until=now + LEASE if idle else None,
            attempts=1 if idle else 0,
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    stored = (uow.run(statement).rowcount or 0) > 0
    uow.commit()
    taken = TakenUpdate(update_id, chat_id, payload, 1) if stored and idle else None
    return Received(stored, taken)


def _nothing_waiting(uow: UnitOfWork, chat_id: int) -> bool:
    waiting = exists().where(TelegramUpdate.chat_id == chat_id, TelegramUpdate.handled_at.is_(None))
    return not uow.run(select(waiting)).scalar()


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
        select(*_TAKEN)
        .where(waiting, free, TelegramUpdate.update_id.in_(firsts), ~chat_busy)
        .order_by(TelegramUpdate.update_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    ids = [row.update_id for row in rows]
    if ids:
        _lease(uow, ids, now)
    # A lease lost with the database server is taken again; the steps of its handling are
    # committed durably, and with them the lease before them.
    uow.commit_without_flush_wait()
    return _leased(rows)


_TAKEN = (
    TelegramUpdate.update_id,
    TelegramUpdate.chat_id,
    TelegramUpdate.payload,
    TelegramUpdate.attempts,
)


def _leased(rows: Sequence[Row[Any]]) -> list[TakenUpdate]:
    return [
        TakenUpdate(row.update_id, row.chat_id, row.payload, row.attempts + 1)
        for row in rows
        if row.payload is not None
    ]


def mark_handled(uow: UnitOfWork, *, update_id: int, chat_id: int | None) -> TakenUpdate | None:
    """The update was handled: the chat's next one may go, and goes to the caller when it is
    waiting already (leased in the same transaction)."""
    now = uow.now()
    uow.run(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id == update_id)
        .values(handled_at=now, claimed_until=None, payload=None)
    )
    following = _lease_next(uow, chat_id, now) if chat_id is not None else None
    # Lost with the database server, the update is handled again and its steps replayed.
    uow.commit_without_flush_wait()
    return following


def _lease_next(uow: UnitOfWork, chat_id: int, now: datetime) -> TakenUpdate | None:
    """The chat's oldest waiting update, leased, unless another process has it."""
    oldest = (
        select(func.min(TelegramUpdate.update_id))
        .where(TelegramUpdate.chat_id == chat_id, TelegramUpdate.handled_at.is_(None))
        .scalar_subquery()
    )
    free = or_(TelegramUpdate.claimed_until.is_(None), TelegramUpdate.claimed_until <= now)
    rows = uow.session.execute(
        select(*_TAKEN)
        .where(TelegramUpdate.update_id == oldest, free)
        .with_for_update(skip_locked=True)
    ).all()
    taken = _leased(rows)
    if not taken:
        return None
    _lease(uow, [taken[0].update_id], now)
    return taken[0]


def _lease(uow: UnitOfWork, ids: list[int], now: datetime) -> None:
    uow.run(
        update(TelegramUpdate)
        .where(TelegramUpdate.update_id.in_(ids))
        .values(claimed_until=now + LEASE, attempts=TelegramUpdate.attempts + 1)
    )


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
