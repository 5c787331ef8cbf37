"""Updates of different chats run concurrently; the updates of one chat keep their order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


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
    """Runs each chat's updates one after the other, in the order Telegram sent them."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await the update's processing once every earlier update of its chat is done."""
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        # Updates reach this point in arrival order without awaiting anything first, and an
        # asyncio.Lock wakes its waiters first come, first served: that keeps the chat's order.
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                # Nobody else waits on this chat: forget its lock so idle chats cost nothing.
                del self._holders[key], self._locks[key]

    @property
    def chats_in_progress(self) -> int:
        """How many chats have an update being handled or waiting."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down: PTB awaits the running updates itself."""
