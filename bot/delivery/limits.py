"""Telegram's flood limits: one rate limiter for replies and pushes, per process or shared by
every process on the database, and per-chat push pacing."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.delivery.group_window import GroupWindow, chat_of
from bot.delivery.shared_budget import GroupIsFull, SharedTurns
from core.db.session import Database
from core.delivery.telegram_budget import TelegramBudget, shared_budget
from core.settings import Settings

# rate_limit_args that marks a pushed notification: paced per chat, never retried here
# (the relay reschedules the row instead of holding a task for the whole wait).
PUSH = -1
# A reply waits out at most this long a RetryAfter before giving up, and retries this often.
REPLY_MAX_WAIT = 30.0
REPLY_RETRIES = 2
PUSH_INTERVAL = 1.0
# The Bot API methods that put a message in a chat (sendChatAction aside): only these count.
MESSAGE_METHODS = ("send", "edit", "copy", "forward")

Callback = Callable[..., Coroutine[Any, Any, Any]]


class Stopped(Exception):
    """The relay is stopping: the push was not sent."""


@dataclass
class _ChatTurn:
    lock: asyncio.Lock
    free_at: float = 0.0
    users: int = 0


class PushPacer:
    """At most one pushed message per `interval` per chat, and every push on hold while
    Telegram's RetryAfter lasts. Direct replies never pass through here."""

    def __init__(self, interval: float = PUSH_INTERVAL) -> None:
        self.interval = interval
        self._chats: dict[int | str, _ChatTurn] = {}
        self._held_until = 0.0

    def hold(self, seconds: float) -> None:
        """Telegram said to wait: no push goes out before then."""
        now = asyncio.get_running_loop().time()
        self._held_until = max(self._held_until, now + seconds)

    @contextlib.asynccontextmanager
    async def turn(
        self, chat_id: int | str, stopping: asyncio.Event | None = None
    ) -> AsyncIterator[None]:
        """Wait for this chat's turn and hold it while the message is sent; the next push to
        the chat may start `interval` after this one has finished. Raises Stopped if the
        `stopping` event is set while waiting."""
        loop = asyncio.get_running_loop()
        chat = self._chats.get(chat_id) or self._chats.setdefault(
            chat_id, _ChatTurn(asyncio.Lock())
        )
        chat.users += 1
        try:
            async with chat.lock:
                while (wait := max(chat.free_at, self._held_until) - loop.time()) > 0:
                    await _wait(wait, stopping)
                if stopping is not None and stopping.is_set():
                    raise Stopped()
                try:
                    yield
                finally:
                    chat.free_at = loop.time() + self.interval
        finally:
            chat.users -= 1
            self._forget_idle(loop.time())

    def _forget_idle(self, now: float) -> None:
        if len(self._chats) < 1024:
            return
        for chat_id, chat in list(self._chats.items()):
            if chat.users == 0 and chat.free_at <= now:
                del self._chats[chat_id]


async def _wait(seconds: float, stopping: asyncio.Event | None) -> None:
    if stopping is None:
        await asyncio.sleep(seconds)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    if stopping.is_set():
        raise Stopped()


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait, without PTB 22's int-or-timedelta deprecation warning."""
    # PTB itself reads the private timedelta the same way (AIORateLimiter.process_request).
    value = getattr(error, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raw = error.retry_after
    return raw.total_seconds() if isinstance(raw, timedelta) else float(raw)


class _Passed(Exception):
    """Carries a RetryAfter past AIORateLimiter's own retry loop."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(str(error))
        self.error = error


def _passing(callback: Callback, *, longer_than: float) -> Callback:
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            if retry_after_seconds(error) > longer_than:
                raise _Passed(error) from None
            raise

    return call


def counts(endpoint: str) -> bool:
    """Whether a Bot API method puts a message in a chat, as Telegram's flood limits count."""
    return endpoint.startswith(MESSAGE_METHODS) and endpoint != "sendChatAction"


class StockbotRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (the overall limit in this process) plus the groups' windows, the
    pacing of pushed notifications and, given a shared budget, the limits of every process
    on the database together.

    Replies wait out a short RetryAfter and retry (twice at most); pushes (rate_limit_args=PUSH)
    are tried once and a RetryAfter goes back to the relay, which reschedules the row."""

    def __init__(self, overall_max_rate: int, budget: TelegramBudget | None = None) -> None:
        # One message every 1/rate seconds, not `rate` messages a second: a bucket that holds
        # `rate` lets a burst of that many out at once on top of the steady flow, so up to
        # twice the limit could go out in one second.
        # Groups get a strict window of their own (bot/delivery/group_window.py) instead of
        # PTB's bucket.
        super().__init__(
            overall_max_rate=1,
            overall_time_period=1 / overall_max_rate,
            group_max_rate=0,
            max_retries=REPLY_RETRIES,
        )
        self.pushes = PushPacer()
        self.groups = GroupWindow()
        self.shared = SharedTurns(budget) if budget is not None else None

    async def initialize(self) -> None:
        """Start the shared budget's threads."""
        if self.shared is not None:
            self.shared.open()

    async def shutdown(self) -> None:
        """Stop them."""
        if self.shared is not None:
            await self.shared.close()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Limit one Bot API call; see the class docstring for how RetryAfter is handled."""
        push = rate_limit_args == PUSH
        if counts(endpoint):
            callback = self._in_turn(callback, chat_of(data), push=push)
        passing = _passing(callback, longer_than=-1.0 if push else REPLY_MAX_WAIT)
        try:
            return await super().process_request(
                passing, args, kwargs, endpoint, data, None if push else rate_limit_args
            )
        except _Passed as passed:
            if push:
                self.pushes.hold(retry_after_seconds(passed.error))
            raise passed.error from None
        except GroupIsFull as full:
            # Not Telegram's flood wait: the other chats' pushes go on.
            raise RetryAfter(timedelta(seconds=max(math.ceil(full.wait), 1))) from None

    def _in_turn(self, callback: Callback, chat_id: int | None, *, push: bool) -> Callback:
        """The callback, each try of it in a turn of its own (a retry is one more message)."""

        async def call(*args: Any, **kwargs: Any) -> Any:
            shared = self.shared is not None and await self.shared.turn(chat_id, push=push)
            if not shared and chat_id is not None and chat_id < 0:
                await self._group_turn(chat_id, push=push)
            return await callback(*args, **kwargs)

        return call

    async def _group_turn(self, chat_id: int, *, push: bool) -> None:
        """In this process alone: a reply waits for room in the group's minute; a push that
        finds none is not sent and goes back to the relay as a RetryAfter, which puts its row
        off until then."""
        if not push:
            await self.groups.wait_and_take(chat_id)
        elif not self.groups.take(chat_id):
            raise GroupIsFull(self.groups.wait_time(chat_id))


def build_rate_limiter(settings: Settings, database: Database | None) -> BaseRateLimiter[int]:
    """The Application's one rate limiter: TELEGRAM_RATE_LIMIT messages a second in all, for
    every process on the database together when it is shared (None: this process alone)."""
    rate = settings.telegram_rate_limit
    budget = shared_budget(database, rate) if database is not None else None
    return StockbotRateLimiter(rate, budget)


def push_pacer(bot: Any) -> PushPacer | None:
    """The pacer of the bot's Stockbot rate limiter, shared by every relay of the process."""
    limiter = getattr(bot, "rate_limiter", None)
    return limiter.pushes if isinstance(limiter, StockbotRateLimiter) else None
