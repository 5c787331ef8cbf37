"""Chats that each send their next command when the last reply arrives, through the local
Bot API server; with the throughput, latencies and reply order that come of it."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench import dataset
from tests.fakes.telegram_api import FakeBotApi, SentMessage

Expectation = Callable[[str], bool]
POLL = 0.0005  # how often the driver looks for new replies, in seconds


@dataclass
class StockChat:
    """A shop's admin running a mix of /set, /add, /remove, /stock and /alerts on items whose
    quantities it predicts, so that each reply can be checked against its command."""

    user_id: int
    items_per_shop: int
    quantity: int
    rng: random.Random
    quantities: dict[int, int] = field(default_factory=dict)

    def next_command(self) -> tuple[str, Expectation]:
        """The command to send, and how to recognise its reply."""
        number = self.rng.randint(1, self.items_per_shop)
        name = dataset.item_name(number)
        before = self.quantities.get(number, self.quantity)
        roll = self.rng.random()
        if roll < 0.25:
            self.quantities[number] = before + 1
            return f"/add {name} 1", _contains(f"{name}: {before + 1:,} in stock")
        if roll < 0.5:
            self.quantities[number] = before - 1
            return f"/remove {name} 1", _contains(f"{name}: {before - 1:,} left")
        if roll < 0.65:
            counted = self.rng.randint(self.quantity // 2, self.quantity)
            self.quantities[number] = counted
            return f"/set {name} {counted}", _contains(f"{name}: {counted:,} in stock")
        if roll < 0.85:
            return "/stock", _contains(f"Stock ({self.items_per_shop:,})")
        return "/alerts", lambda text: "alert" in text.casefold()


@dataclass
class EchoChat:
    """A user whose every message the echo bot sends back."""

    user_id: int
    sent: int = 0

    def next_command(self) -> tuple[str, Expectation]:
        """A numbered message, answered by the same text."""
        self.sent += 1
        text = f"/echo {self.user_id} {self.sent}"
        return text, lambda reply: reply == text


def _contains(fragment: str) -> Expectation:
    return lambda text: fragment in text


Chat = StockChat | EchoChat


@dataclass(frozen=True)
class LoadResult:
    """Replies counted in the measured window, their latencies, and replies that did not
    answer the chat's last command (out of order, or wrong)."""

    replies: int
    seconds: float
    latencies: tuple[float, ...]
    wrong: int
    examples: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        """Commands answered a second."""
        return self.replies / self.seconds

    def percentile(self, fraction: float) -> float:
        """A latency percentile, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[
            round(fraction * 100) - 1
        ]


def drive(api: FakeBotApi, chats: Sequence[Chat], *, warm_up: float, seconds: float) -> LoadResult:
    """Keep every chat busy for warm_up + seconds; measure the last `seconds`."""
    outstanding: dict[int, tuple[float, str, Expectation, Chat]] = {}
    seen = len(api.all_messages())
    mark = api.mark()

    def offer(chat: Chat) -> None:
        text, expect = chat.next_command()
        outstanding[chat.user_id] = (time.monotonic(), text, expect, chat)
        api.send_message(chat.user_id, text)

    for chat in chats:
        offer(chat)
    measured_from = time.monotonic() + warm_up
    until = measured_from + seconds
    latencies: list[float] = []
    wrong: list[str] = []
    while time.monotonic() < until:
        if api.mark() == mark:
            time.sleep(POLL)
            continue
        mark = api.mark()
        messages = api.all_messages()
        fresh, seen = messages[seen:], len(messages)
        for message in fresh:
            problem = _settle(message, outstanding, latencies, measured_from, until, offer)
            if problem:
                wrong.append(problem)
    return LoadResult(len(latencies), seconds, tuple(latencies), len(wrong), tuple(wrong[:5]))


def _settle(
    message: SentMessage,
    outstanding: dict[int, tuple[float, str, Expectation, Chat]],
    latencies: list[float],
    measured_from: float,
    until: float,
    offer: Callable[[Chat], None],
) -> str | None:
    """Match a reply to its chat's command; what was wrong with it, if anything."""
    reply = (message.plain_text or "")[:120]
    waiting = outstanding.pop(message.chat_id, None)
    if waiting is None or message.edited:
        return f"chat {message.chat_id}: unasked-for {reply!r}"
    offered_at, command, expect, chat = waiting
    if measured_from <= message.at < until:
        latencies.append(message.at - offered_at)
    if message.at < until:
        offer(chat)
    return (
        None
        if expect(reply if len(reply) < 120 else message.plain_text or "")
        else (f"chat {message.chat_id}: {command!r} got {reply!r}")
    )
