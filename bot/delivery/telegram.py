"""The Telegram channel: sends one outbox row as pushed messages and says what happened."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery.limits import PUSH, PushPacer, Stopped, push_pacer, retry_after_seconds
from bot.delivery.messages import TelegramMessage, render_notification
from core.delivery.types import Claim, Outcome

# One being sent and one waiting its turn: enough to keep a chat's pace, few enough that
# a chat with a long queue leaves room for the others.
PER_CHAT_IN_FLIGHT = 2

MoveChat = Callable[[int, int], Awaitable[None]]
LeaseCheck = Callable[[Claim], bool]
Settle = Callable[[Claim, Outcome], Awaitable[None]]


class TelegramChannel:
    """Pushes notifications through the bot, at most one a second per chat (shared pacer)."""

    def __init__(self, bot: Bot, *, move_chat: MoveChat, pacer: PushPacer | None = None) -> None:
        shared = push_pacer(bot)
        self._bot = bot
        self._move_chat = move_chat
        self._pacer = pacer or shared or PushPacer()
        # rate_limit_args only exists on a bot with a rate limiter (the Application's ExtBot).
        self._push_args: dict[str, Any] = {"rate_limit_args": PUSH} if shared else {}

    async def send(self, claim: Claim, *, stopping: asyncio.Event, lease_ok: LeaseCheck) -> Outcome:
        """Send every part not sent yet; the outcome says what to record for the row."""
        try:
            messages = render_notification(claim.kind, claim.payload)
        except ValueError as exc:
            return Outcome.dead(f"cannot build the message: {exc}")
        done = int(claim.payload.get("parts_sent", 0))
        chat_id = int(claim.recipient)
        for index in range(done, len(messages)):
            progress = index if len(messages) > 1 else None
            outcome, chat_id = await self._send_part(
                claim, chat_id, messages[index], stopping=stopping, lease_ok=lease_ok
            )
            if outcome is not None:
                return self._scrubbed(_with_progress(outcome, progress))
        return Outcome.sent()

    def _scrubbed(self, outcome: Outcome) -> Outcome:
        # Reasons are stored and logged: an error quoting a Bot API URL must not leak the token.
        if outcome.reason is None or self._bot.token not in outcome.reason:
            return outcome
        reason = outcome.reason.replace(self._bot.token, "[token]")
        return Outcome(outcome.verdict, reason, outcome.delay, outcome.parts_sent)

    async def _send_part(
        self,
        claim: Claim,
        chat_id: int,
        message: TelegramMessage,
        *,
        stopping: asyncio.Event,
        lease_ok: LeaseCheck,
    ) -> tuple[Outcome | None, int]:
        """(None when sent, else the outcome; the chat id, new if the chat migrated)."""
        for _ in range(2):
            try:
                async with self._pacer.turn(chat_id, stopping):
                    if not lease_ok(claim):
                        return Outcome.defer("lease ran out before sending"), chat_id
                    await self._bot.send_message(
                        chat_id,
                        message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.reply_markup,
                        **self._push_args,
                    )
                return None, chat_id
            except ChatMigrated as migrated:
                await self._move_chat(chat_id, migrated.new_chat_id)
                chat_id = migrated.new_chat_id
            except Stopped:
                return Outcome.defer(None), chat_id
            except Exception as exc:
                return classify(exc, stopping=stopping.is_set()), chat_id
        return Outcome.retry("the chat migrated twice in a row"), chat_id


def classify(exc: Exception, *, stopping: bool = False) -> Outcome:
    """What a failed send means for the row: wait, retry later, or give up."""
    if isinstance(exc, RetryAfter):
        seconds = retry_after_seconds(exc)
        return Outcome.defer(f"Telegram flood control: retry after {seconds:g}s", _delay(seconds))
    if isinstance(exc, Forbidden):
        return Outcome.dead(f"Telegram refused: {exc.message}")
    if isinstance(exc, BadRequest):
        # Chat not found, or a message Telegram will never accept: sending again cannot help.
        return Outcome.dead(f"Telegram refused: {exc.message}")
    if stopping:
        # The bot is shutting down under the request: not a failure of this message.
        return Outcome.defer(f"interrupted by shutdown: {type(exc).__name__}")
    if isinstance(exc, TimedOut):
        return Outcome.retry("Telegram timed out")
    if isinstance(exc, NetworkError | TelegramError):
        return Outcome.retry(f"Telegram unreachable: {exc.message}")
    return Outcome.retry(f"unexpected error: {type(exc).__name__}: {exc}")


def _delay(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def _with_progress(outcome: Outcome, parts_sent: int | None) -> Outcome:
    if parts_sent is None:
        return outcome
    return Outcome(outcome.verdict, outcome.reason, outcome.delay, parts_sent)


async def push_claims(
    channel: TelegramChannel,
    *,
    claim: Callable[[int, Collection[str]], Awaitable[list[Claim]]],
    settle: Settle,
    idle: Callable[[], Awaitable[None]],
    woken: asyncio.Event,
    capacity: int,
    stopping: asyncio.Event,
    lease_ok: LeaseCheck,
) -> None:
    """The relay's Telegram worker: keep up to `capacity` rows in flight, each in a task of
    its own and at most PER_CHAT_IN_FLIGHT per chat, so that one chat's long queue (pushes a
    second apart) never holds up the other chats."""
    in_flight: set[asyncio.Task[None]] = set()
    per_chat: Counter[str] = Counter()

    async def deliver(row: Claim) -> None:
        try:
            await settle(row, await channel.send(row, stopping=stopping, lease_ok=lease_ok))
        finally:
            per_chat[row.recipient] -= 1
            if per_chat[row.recipient] <= 0:
                del per_chat[row.recipient]

    def finished(task: asyncio.Task[None]) -> None:
        in_flight.discard(task)
        woken.set()

    try:
        while not stopping.is_set():
            woken.clear()
            room = capacity - len(in_flight)
            busy = {chat for chat, count in per_chat.items() if count >= PER_CHAT_IN_FLIGHT}
            claims = await claim(room, busy) if room > 0 else []
            for row in claims:
                per_chat[row.recipient] += 1
                task = asyncio.create_task(deliver(row))
                in_flight.add(task)
                task.add_done_callback(finished)
            if not claims:
                await idle()
    finally:
        await _drain(in_flight)


async def _drain(tasks: set[asyncio.Task[None]]) -> None:
    """Wait for sends in flight; if the wait itself is cancelled, cancel them too."""
    if not tasks:
        return
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        for task in list(tasks):
            task.cancel()
        raise
