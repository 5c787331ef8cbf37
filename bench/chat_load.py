"""B3's simulated chats and the ledger that matches the bot's replies to their commands.

Each chat predicts the reply to every command it sends, so a reply that is wrong or comes
out of the chat's order is counted; a chat may have several commands waiting at once."""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench import dataset
from tests.fakes.telegram_api import FakeBotApi, SentMessage

Expectation = Callable[[str], bool]
POLL = 0.0005  # how often the drivers look for new replies, in seconds
SHOWN = 120  # characters of a reply kept for the report


@dataclass
class StockChat:
    """A shop member running /add, /remove, /set and /stock on the items that are theirs
    alone (members of one shop never touch each other's), predicting every quantity."""

    user_id: int
    items: tuple[int, ...]  # the member's items, by number in the shop
    items_per_shop: int
    quantity: int
    rng: random.Random
    quantities: dict[int, int] = field(default_factory=dict)

    def next_command(self) -> tuple[str, Expectation]:
        """The command to send, and how to recognise its reply."""
        number = self.rng.choice(self.items)
        name = dataset.item_name(number)
        before = self.quantities.get(number, self.quantity)
        roll = self.rng.random()
        if roll < 0.3:
            self.quantities[number] = before + 1
            return f"/add {name} 1", _contains(f"{name}: {before + 1:,} in stock")
        if roll < 0.6:
            self.quantities[number] = before - 1
            return f"/remove {name} 1", _contains(f"{name}: {before - 1:,} left")
        if roll < 0.75:
            counted = self.rng.randint(self.quantity // 2, self.quantity)
            self.quantities[number] = counted
            return f"/set {name} {counted}", _contains(f"{name}: {counted:,} in stock")
        return "/stock", _contains(f"Stock ({self.items_per_shop:,})")


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
class Waiting:
    """A command sent and not yet answered."""

    offered_at: float
    command: str
    expect: Expectation
    counted: bool


@dataclass(frozen=True)
class Reply:
    """A reply matched to its command: which chat, when it reached the server, and how long
    after its command was made available to the bot."""

    chat: Chat
    at: float
    latency: float
    counted: bool


class Ledger:
    """The commands each chat is waiting on, oldest first, and the replies matched to them."""

    def __init__(self, api: FakeBotApi, chats: Sequence[Chat]) -> None:
        self.api = api
        self.chats = {chat.user_id: chat for chat in chats}
        self.waiting: dict[int, deque[Waiting]] = {chat.user_id: deque() for chat in chats}
        self.wrong: list[str] = []
        self.outstanding = 0  # commands not answered yet
        self.sent = 0
        self._seen = len(api.all_messages())

    def offer(self, chat: Chat, *, counted: bool = True) -> None:
        """Send the chat's next command: from now on the bot can fetch it."""
        text, expect = chat.next_command()
        self.waiting[chat.user_id].append(Waiting(time.monotonic(), text, expect, counted))
        self.outstanding += 1
        self.sent += 1
        self.api.send_message(chat.user_id, text)

    def outstanding_counted(self) -> int:
        """Counted commands not answered yet."""
        return sum(w.counted for queue in self.waiting.values() for w in queue)

    def collect(self) -> list[Reply]:
        """The replies that reached the server since the last call, matched and checked."""
        fresh = self.api.messages_from(self._seen)
        self._seen += len(fresh)
        return [reply for message in fresh if (reply := self._settle(message)) is not None]

    def _settle(self, message: SentMessage) -> Reply | None:
        text = message.plain_text or ""
        queue = self.waiting.get(message.chat_id)
        if not queue or message.edited:
            self.wrong.append(f"chat {message.chat_id}: unasked-for {text[:SHOWN]!r}")
            return None
        waiting = queue.popleft()
        self.outstanding -= 1
        if not waiting.expect(text):
            self.wrong.append(f"chat {message.chat_id}: {waiting.command!r} got {text[:SHOWN]!r}")
        chat = self.chats[message.chat_id]
        return Reply(chat, message.at, message.at - waiting.offered_at, waiting.counted)

    def drain(self, timeout: float) -> list[Reply]:
        """Wait up to `timeout` seconds for every command to be answered, sending no more;
        the replies that came meanwhile."""
        deadline = time.monotonic() + timeout
        replies: list[Reply] = []
        while self.outstanding and time.monotonic() < deadline:
            fresh = self.collect()
            replies.extend(fresh)
            if not fresh:
                time.sleep(POLL)
        return replies
