"""Telegram's limit in a group: about 20 messages a minute, sends and edits together. A strict
sliding window per group chat, for every message this process sends there (replies, cards,
digests), so the room never meets a 429 of our own making. It is the limit on SQLite and
while the database is out of reach; on PostgreSQL the window every process shares is the
group's log in core/delivery/telegram_budget.py.

PTB's AIORateLimiter has a group limiter too, but as a leaky bucket: a full burst of 20 and then
one every 3 seconds lets up to 40 through in one minute."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from core.delivery.telegram_budget import ARRIVAL_MARGIN, GROUP_MESSAGES_PER_MINUTE
from core.sliding_window import SlidingWindow

PERIOD = 60.0


def chat_of(data: dict[str, Any]) -> int | None:
    """The chat a Bot API call sends to or edits in, by its number (None for a channel's
    @name or a call without a chat)."""
    chat_id = data.get("chat_id")
    try:
        return int(chat_id) if chat_id is not None else None
    except (TypeError, ValueError):
        return None


class GroupWindow(SlidingWindow):
    """At most `limit` messages in any `period` seconds to each group chat, as Telegram
    receives them."""

    def __init__(
        self,
        limit: int = GROUP_MESSAGES_PER_MINUTE,
        period: float = PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Counted when taken, before the request is on its way: a window ARRIVAL_MARGIN longer
        # keeps the limit at Telegram for a message that arrives up to that much later (as the
        # window every process shares does, core/delivery/telegram_budget.py).
        super().__init__(limit, period + ARRIVAL_MARGIN, clock)

    async def wait_and_take(self, chat_id: int) -> None:
        """Wait for room in the chat's window, then count a message to it. Waiters of one
        chat may race, but `take` checks and counts without yielding, so none overshoots;
        other chats never wait for this one."""
        while not self.take(chat_id):  # noqa: ASYNC110 - it waits for a time, not an event
            await asyncio.sleep(self.wait_time(chat_id))
