"""The Telegram channel: sends outbox rows as pushed messages and says what happened to each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar

from telegram import Bot, Message
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
from bot.delivery.setup import BotSetup, MoveChat
from core.delivery.channel import ChannelTraits, KeepGoing, Settled, crashed
from core.delivery.types import Claim, Outcome
from core.vocabulary import Channel

# One being sent and one waiting its turn: enough to keep a chat's pace, few enough that
# a chat with a long queue leaves room for the others.
PER_CHAT_IN_FLIGHT = 2


class TelegramChannel:
    """Pushes notifications through the bot, at most one a second per chat (shared pacer)."""

    traits: ClassVar[ChannelTraits] = ChannelTraits(
        Channel.TELEGRAM, per_recipient=PER_CHAT_IN_FLIGHT
    )
    batches_at_once: ClassVar[int] = 1

    def __init__(
        self,
        bot: Bot,
        *,
        stopping: asyncio.Event,
        move_chat: MoveChat,
        pacer: PushPacer | None = None,
    ) -> None:
        shared = push_pacer(bot)
        self._bot = bot
        self._stopping = stopping
        self._move_chat = move_chat
        self._pacer = pacer or shared or PushPacer()
        # rate_limit_args only exists on a bot with a rate limiter (the Application's ExtBot).
        self._push_args: dict[str, Any] = {"rate_limit_args": PUSH} if shared else {}

    @classmethod
    def open(cls, setup: BotSetup) -> TelegramChannel:
        """The channel of the running bot: always on."""
        return cls(setup.bot, stopping=setup.stopping, move_chat=setup.move_chat)

    async def send_batch(
        self, claims: Sequence[Claim], keep_going: KeepGoing
    ) -> AsyncGenerator[Settled, None]:
        """Send every claim at once, each in a task of its own (the pacer keeps each chat's
        pace), and yield each as soon as Telegram answered."""
        sending = [asyncio.create_task(self._answer(claim, keep_going)) for claim in claims]
        try:
            for answered in asyncio.as_completed(sending):
                yield await answered
        finally:
            for task in sending:
                task.cancel()

    async def _answer(self, claim: Claim, keep_going: KeepGoing) -> Settled:
        try:
            return claim, await self.send(claim, keep_going)
        except Exception as exc:
            return claim, self._scrubbed(crashed(claim, exc))

    async def send(self, claim: Claim, keep_going: KeepGoing) -> Outcome:
        """Send every part not sent yet; the outcome says what to record for the row."""
        try:
            messages = render_notification(claim.kind, claim.payload)
        except ValueError as exc:
            return Outcome.dead(f"cannot build the message: {exc}")
        return await self.send_parts(claim, int(claim.recipient), messages, keep_going)

    async def send_parts(
        self,
        claim: Claim,
        chat_id: int,
        messages: Sequence[TelegramMessage],
        keep_going: KeepGoing,
        thread_id: int | None = None,
    ) -> Outcome:
        """Send the messages of a row not sent yet (a retry goes on from the first unsent)."""
        for index in range(int(claim.payload.get("parts_sent", 0)), len(messages)):
            outcome, chat_id, _ = await self._send_part(
                claim, chat_id, messages[index], keep_going, thread_id
            )
            if outcome is not None:
                progress = index if len(messages) > 1 else None
                return self._scrubbed(with_progress(outcome, progress))
        return Outcome.sent()

    def _scrubbed(self, outcome: Outcome) -> Outcome:
        # Reasons are stored and logged: an error quoting a Bot API URL must not leak the token.
        if outcome.reason is None or self._bot.token not in outcome.reason:
            return outcome
        return replace(outcome, reason=outcome.reason.replace(self._bot.token, "[token]"))

    async def _send_part(
        self,
        claim: Claim,
        chat_id: int,
        message: TelegramMessage,
        keep_going: KeepGoing,
        thread_id: int | None = None,
    ) -> tuple[Outcome | None, int, Message | None]:
        """(None when sent, else the outcome; the chat id, new if the chat migrated; the
        message sent)."""
        for _ in range(2):
            try:
                async with self._pacer.turn(chat_id, self._stopping):
                    if not keep_going(claim):
                        return Outcome.defer("lease ran out before sending"), chat_id, None
                    sent = await self._bot.send_message(
                        chat_id,
                        message.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.reply_markup,
                        disable_notification=claim.silent,
                        message_thread_id=thread_id,
                        **self._push_args,
                    )
                return None, chat_id, sent
            except ChatMigrated as migrated:
                await self._move_chat(chat_id, migrated.new_chat_id)
                chat_id = migrated.new_chat_id
            except Stopped:
                return Outcome.defer(None), chat_id, None
            except Exception as exc:
                return classify(exc, stopping=self._stopping.is_set()), chat_id, None
        return Outcome.retry("the chat migrated twice in a row"), chat_id, None


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


def with_progress(outcome: Outcome, parts_sent: int | None) -> Outcome:
    if parts_sent is None:
        return outcome
    return replace(outcome, parts_sent=parts_sent)
