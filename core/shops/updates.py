"""Telegram updates taken by webhook (SPEC 5): Telegram retries an update it saw no answer
to, and several processes may receive one; the first to record its id handles it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from core.db.dialect import insert_or_skip
from core.db.models import TelegramUpdate
from core.db.session import UnitOfWork

# Telegram gives up on an update after about a day; its id is kept a little longer.
KEPT = timedelta(days=2)


def first_sight(uow: UnitOfWork, *, update_id: int) -> bool:
    """Record that this update is being handled; False when it was already."""
    statement = (
        insert_or_skip(uow.dialect, TelegramUpdate)
        .values(update_id=update_id, received_at=uow.now())
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    taken = (uow.run(statement).rowcount or 0) > 0
    uow.commit()
    return taken


def forget_old_updates(uow: UnitOfWork) -> int:
    """Drop the ids of updates older than KEPT (daily housekeeping); how many."""
    cutoff = uow.now() - KEPT
    result = uow.run(delete(TelegramUpdate).where(TelegramUpdate.received_at < cutoff))
    uow.commit()
    return int(result.rowcount or 0)
