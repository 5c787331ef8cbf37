"""Updates of different chats run concurrently; the updates of one chat keep their order.

An update first waits for its chat's turn and only then takes one of the shared slots, so a
chat with a backlog holds one slot at most and never delays another chat's updates."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore is taken before do_process_update, so before the chat's turn: were it
# the limit, one chat's waiting updates could hold every slot. It is left unbounded and the
# limit is this processor's own (`slots`), taken once the chat's turn has come.
UNBOUNDED = sys.maxsize


def chat_key(update: object) -> int | None:
    """The chat whose order an update belongs to (its user's when it has no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs each chat's updates one after the other, in the order Telegram sent them, and at
    most `max_concurrent_updates` chats' updates at the same time."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("max_concurrent_updates must be at least 1")
        super().__init__(UNBOUNDED)
        self.slots = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._running = 0
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    @property
    def running(self) -> int:
        """How many updates are being handled now, not counting those waiting their turn."""
        return self._running

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's processing once every earlier update of its chat is done and a
        shared slot is free."""
        key = chat_key(update)
        if key is None:
            await self._in_slot(coroutine)
            return
        # Updates reach this point in arrival order without awaiting anything first, and an
        # asyncio.Lock wakes its waiters first come, first served: that keeps the chat's order.
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await self._in_slot(coroutine)
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                # Nobody else waits on this chat: forget its lock so idle chats cost nothing.
                del self._holders[key], self._locks[key]

    async def _in_slot(self, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            self._running += 1
            try:
                await coroutine
            finally:
                self._running -= 1

    @property
    def chats_in_progress(self) -> int:
        """How many chats have an update being handled or waiting."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB awaits the running updates itself."""
