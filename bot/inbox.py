"""Webhook mode's worker (SPEC 5): takes the stored updates (core.shops.updates) that are due
here, each chat's in order and different chats at once, handles each as polling would, and
marks it handled. The webhook endpoint hands it an update leased as it was stored, and
marking one handled may lease the chat's next, which it then handles in turn. Every
process on the database runs one; none handles an update twice
while its lease lasts, and an update a killed process was handling goes to another, whose
core calls then get the outcomes of the steps already made (core.shops.update_steps)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update

from bot.context import App
from bot.runner import HANDLING, Handling, call_core
from core.shops.updates import TakenUpdate, mark_handled, take_updates

log = logging.getLogger("stockbot.bot")
# Updates handled at once (different chats); each holds a core thread at most briefly.
IN_FLIGHT = 64
# How often to look for updates another process stored (ours wake the worker at once).
POLL_INTERVAL = 1.0


class Inbox:
    """Handles the stored updates until stopped."""

    def __init__(self, application: App) -> None:
        self._application = application
        self.woken = asyncio.Event()
        self._stopping = asyncio.Event()
        self._handling: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start taking updates."""
        self._task = asyncio.create_task(self._run(), name="telegram-inbox")

    def wake(self) -> None:
        """An update was stored here: look at once."""
        self.woken.set()

    def has_room(self) -> bool:
        """Whether an update leased as it is stored may be handled now."""
        return len(self._handling) < IN_FLIGHT and not self._stopping.is_set()

    def handle(self, update: TakenUpdate) -> None:
        """Handle an update leased to this process (and its chat's next ones)."""
        task = asyncio.create_task(self._handle_chat(update))
        self._handling.add(task)
        task.add_done_callback(self._done)

    async def stop(self) -> None:
        """Take no more; finish those being handled (the others stay stored for the next)."""
        self._stopping.set()
        self.woken.set()
        if self._task is not None:
            await self._task
        if self._handling:
            await asyncio.wait(self._handling)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self.woken.clear()
            room = IN_FLIGHT - len(self._handling)
            taken: list[TakenUpdate] = []
            if room > 0:
                try:
                    taken = await call_core(self._application, take_updates, limit=room)
                except Exception as exc:  # the database may be briefly away: try again soon
                    log.warning("cannot take updates: %s", type(exc).__name__)
            for update in taken:
                self.handle(update)
            if not taken:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.woken.wait(), POLL_INTERVAL)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._handling.discard(task)
        self.woken.set()  # the chat's next update may go now

    async def _handle_chat(self, taken: TakenUpdate) -> None:
        following: TakenUpdate | None = taken
        while following is not None:
            await self._handle(following)
            following = await self._mark_handled(following)

    async def _handle(self, taken: TakenUpdate) -> None:
        update_id = taken.update_id
        handling = HANDLING.set(Handling(update_id, again=taken.attempt > 1))
        try:
            update = Update.de_json(taken.payload, self._application.bot)
            await self._application.process_update(update)
        except Exception:
            # The error handler has told the user where it could; it is not tried again.
            log.exception("handling update %d failed", update_id)
        finally:
            HANDLING.reset(handling)

    async def _mark_handled(self, taken: TakenUpdate) -> TakenUpdate | None:
        """Mark it handled; the chat's next update when it was waiting (now leased here)."""
        try:
            return await call_core(
                self._application,
                mark_handled,
                update_id=taken.update_id,
                chat_id=None if self._stopping.is_set() else taken.chat_id,
            )
        except Exception as exc:  # its lease ends and it is handled again: late, not lost
            log.warning(
                "update %d: could not mark it handled: %s", taken.update_id, type(exc).__name__
            )
            return None
