"""Telegram's flood limits as one budget for every process on a PostgreSQL database (SPEC 5):
TELEGRAM_RATE_LIMIT messages a second in all, a pushed message a second to each private
chat, GROUP_MESSAGES_PER_MINUTE to each group in any minute.

A caller reserves its message's slot before sending it and waits until then. Slots are
timed by the database server's clock (`clock_timestamp()`, never a unit of work's clock), so
processes on different machines agree. Each scope keeps its next free slot; a reservation
takes `greatest(next free, now)` and moves it on by the scope's spacing (a rate with no
burst). A group's window is a log of its sends instead: a steady one per three seconds would
hold back a room's burst of cards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, delete, func, insert, select, text

from core.db.dialect import advisory_lock
from core.db.models import GroupSend
from core.db.session import Database, UnitOfWork

GROUP_MESSAGES_PER_MINUTE = 20
PUSHES_PER_SECOND_PER_CHAT = 1
# A message reaches Telegram some time after its slot: the reservation's answer, the event
# loop, the HTTP request. Telegram counts arrivals, and a second of arrivals may hold the slots
# of 1 s plus that delay. Slots (1 + ARRIVAL_MARGIN) / rate apart (and a group's window
# ARRIVAL_MARGIN longer than a minute) keep every second (minute) within the limit as long as
# each message arrives within ARRIVAL_MARGIN seconds of its slot, at the cost of an eighth
# of the rate (26 a second of 30).
ARRIVAL_MARGIN = 0.15
GROUP_WINDOW = timedelta(seconds=60 + ARRIVAL_MARGIN)
EVERY_MESSAGE = "all"
# The advisory lock that makes one transaction at a time read and extend a group's log.
GROUP_LOCK_KEY = 0x7_E1E_6A9

_CLAIM_SCOPES = text(
    "INSERT INTO telegram_budget (scope, next_free) "
    "SELECT scope, to_timestamp(0) FROM unnest(CAST(:scopes AS varchar[])) AS wanted(scope) "
    "ORDER BY scope "
    # A no-op update, so that the row is locked whether it was there or not.
    "ON CONFLICT (scope) DO UPDATE SET next_free = telegram_budget.next_free"
)
_TAKE_SLOT = text(
    "WITH slot AS MATERIALIZED ("
    " SELECT greatest(clock_timestamp(), max(next_free)) AS at FROM telegram_budget"
    " WHERE scope = ANY(CAST(:scopes AS varchar[]))) "
    "UPDATE telegram_budget SET next_free = slot.at + wanted.spacing * interval '1 second' "
    "FROM slot, unnest(CAST(:scopes AS varchar[]), CAST(:spacings AS float8[])) "
    " AS wanted(scope, spacing) "
    "WHERE telegram_budget.scope = wanted.scope "
    "RETURNING slot.at AS at, extract(epoch FROM slot.at - clock_timestamp()) AS wait"
)
_DATABASE_NOW = select(func.clock_timestamp(type_=DateTime(timezone=True)))


@dataclass(frozen=True)
class Slot:
    """When the message may go (database time), and how many seconds from now that is."""

    at: datetime
    wait: float


@dataclass(frozen=True)
class GroupFull:
    """The group's window has no room: nothing was reserved; try again in `wait` seconds."""

    wait: float


def spacing(per_second: float) -> float:
    """Seconds between two slots of a scope allowed `per_second` messages a second."""
    return (1 + ARRIVAL_MARGIN) / per_second


def reserve(uow: UnitOfWork, spacings: Mapping[str, float]) -> Slot:
    """The next slot free in every one of the scopes; each scope's next free slot moves on by
    its spacing. Scopes are locked in name order, so two reservations never deadlock."""
    scopes = sorted(spacings)
    uow.run(_CLAIM_SCOPES, {"scopes": scopes})
    found = uow.run(_TAKE_SLOT, {"scopes": scopes, "spacings": [spacings[s] for s in scopes]})
    # One row for each scope, all with the same slot.
    row = found.mappings().first()
    assert row is not None
    return Slot(row["at"], max(float(row["wait"]), 0.0))


def reserve_in_group(
    uow: UnitOfWork, chat_id: int, spacings: Mapping[str, float]
) -> Slot | GroupFull:
    """A slot in the scopes, logged in the group's window; GroupFull while the window is full."""
    advisory_lock(uow, GROUP_LOCK_KEY, chat_id)
    now: datetime = uow.run(_DATABASE_NOW).scalar_one()
    in_group = GroupSend.chat_id == chat_id
    uow.run(delete(GroupSend).where(in_group, GroupSend.sent_at <= now - GROUP_WINDOW))
    recent = uow.run(select(GroupSend.sent_at).where(in_group).order_by(GroupSend.sent_at))
    times = list(recent.scalars())
    if len(times) >= GROUP_MESSAGES_PER_MINUTE:
        frees = times[len(times) - GROUP_MESSAGES_PER_MINUTE] + GROUP_WINDOW
        return GroupFull(max((frees - now).total_seconds(), 0.0))
    slot = reserve(uow, spacings)
    uow.run(insert(GroupSend).values(chat_id=chat_id, sent_at=slot.at))
    return slot


class TelegramBudget:
    """The budget of one PostgreSQL database, at `rate` messages a second in all."""

    def __init__(self, database: Database, rate: int) -> None:
        self.database = database
        self.rate = rate

    def reserve_send(self, chat_id: int | None, *, push: bool) -> Slot | GroupFull:
        """Reserve one message to the chat (None: a chat outside every per-chat limit); a
        pushed one to a private chat keeps that chat's pace too. Blocks on the database."""
        spacings = {EVERY_MESSAGE: spacing(self.rate)}
        if push and chat_id is not None and chat_id > 0:
            spacings[f"chat:{chat_id}"] = spacing(PUSHES_PER_SECOND_PER_CHAT)
        with self.database.unit_of_work() as uow:
            if chat_id is not None and chat_id < 0:
                found = reserve_in_group(uow, chat_id, spacings)
            else:
                found = reserve(uow, spacings)
            # Every process's sends take the same row: its lock must go at once, not after
            # a flush. Lost with the database server, a few slots may be given twice.
            uow.commit_without_flush_wait()
            return found

    def reserve_replies(self, count: int) -> list[Slot]:
        """Reserve `count` messages outside every per-chat limit (replies in private chats)
        in one transaction, a spacing apart: many replies waiting at once then cost the
        database one reservation."""
        step = spacing(self.rate)
        with self.database.unit_of_work() as uow:
            first = reserve(uow, {EVERY_MESSAGE: step * count})
            uow.commit_without_flush_wait()
        return [
            Slot(first.at + timedelta(seconds=index * step), first.wait + index * step)
            for index in range(count)
        ]


def shared_budget(database: Database, rate: int) -> TelegramBudget | None:
    """The budget all processes share, on PostgreSQL; None on SQLite, where one embedded
    process keeps Telegram's limits in memory."""
    if database.engine.dialect.name != "postgresql":
        return None
    return TelegramBudget(database, rate)
