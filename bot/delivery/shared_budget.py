"""The rate limiter's turns in the budget every process shares through PostgreSQL
(core/delivery/telegram_budget.py), reserved from threads of their own so that the event loop
never waits on the database."""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from core.db.session import DatabaseError
from core.delivery.telegram_budget import GroupFull, Slot, TelegramBudget

log = logging.getLogger("stockbot.bot")

# Reservations are one short transaction each; two threads keep up with Telegram's 30 a
# second with room to spare (bot/startup.py gives them a connection each).
BUDGET_THREADS = 2


class GroupIsFull(Exception):
    """A push found the group's minute full: it is not sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the group's minute is full for {wait:.1f} s")
        self.wait = wait


class SharedTurns:
    """Waits for a message's reserved slot; says when the database cannot be reached."""

    def __init__(self, budget: TelegramBudget) -> None:
        self.budget = budget
        self._executor: ThreadPoolExecutor | None = None
        self._out_of_reach = False
        self._replies: list[asyncio.Future[Slot]] = []
        self._reserving: asyncio.Task[None] | None = None

    def open(self) -> None:
        """Start the threads that reserve."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(BUDGET_THREADS, thread_name_prefix="budget")

    async def close(self) -> None:
        """Stop them, once the reservations under way are done."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True)

    async def turn(self, chat_id: int | None, *, push: bool) -> bool:
        """Wait until the message may go: True. False without waiting when the database is
        out of reach, so the caller keeps this process's own limit for it instead. A reply
        to a full group waits for room; a push raises GroupIsFull."""
        if not push and (chat_id is None or chat_id > 0):
            return await self._reply_turn()
        loop = asyncio.get_running_loop()
        reserve = functools.partial(self.budget.reserve_send, chat_id, push=push)
        while True:
            try:
                found = await loop.run_in_executor(self._executor, reserve)
            except DatabaseError as error:
                self._lost(error)
                return False
            self._reached()
            if isinstance(found, GroupFull) and push:
                raise GroupIsFull(found.wait)
            await asyncio.sleep(found.wait)
            if not isinstance(found, GroupFull):
                return True

    async def _reply_turn(self) -> bool:
        """A reply's turn, reserved together with the other replies waiting for one: while
        one reservation is under way the next ones gather, and go as one."""
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[Slot] = loop.create_future()
        self._replies.append(waiting)
        if self._reserving is None:
            self._reserving = asyncio.create_task(self._reserve_replies())
        try:
            slot = await waiting
        except DatabaseError as error:
            self._lost(error)
            return False
        self._reached()
        await asyncio.sleep(slot.wait)
        return True

    async def _reserve_replies(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._replies:
                gathered, self._replies = self._replies, []
                try:
                    slots = await loop.run_in_executor(
                        self._executor, self.budget.reserve_replies, len(gathered)
                    )
                except Exception as error:  # each waiting reply gets it: none waits forever
                    for reply in gathered:
                        if not reply.done():
                            reply.set_exception(error)
                    continue
                for reply, slot in zip(gathered, slots, strict=True):
                    if not reply.done():  # its sender may have been cancelled meanwhile
                        reply.set_result(slot)
        finally:
            self._reserving = None

    def _lost(self, error: DatabaseError) -> None:
        if not self._out_of_reach:
            # The error's class only: its text may quote the statement or the server.
            log.warning(
                "Telegram's shared rate limit: the database is out of reach (%s); this "
                "process keeps the limits on its own until it is back",
                type(error).__name__,
            )
        self._out_of_reach = True

    def _reached(self) -> None:
        if self._out_of_reach:
            log.info("Telegram's shared rate limit: the database is back")
        self._out_of_reach = False
