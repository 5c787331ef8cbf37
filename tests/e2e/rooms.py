"""Driving a shop's room (SPEC 3.1) through the local Bot API: a group with the bot in it,
members speaking there, and the cards the bot keeps in it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.bot.harness import ADMIN, NAMES, OTHER_ADMIN, STAFF, Shopfront
from tests.fakes.telegram_api import SentMessage

GROUP = -4001
CARD_FOOT = re.compile(r"Alert #\d+ · /alert \d+")
ANNA_TOO = OTHER_ADMIN  # a third member of Ann's shop, staff here


@dataclass
class Room:
    """Ann's shop with Sam and Olga as staff, and its Telegram group."""

    live: Shopfront
    chat_id: int = GROUP
    thread_id: int | None = None

    def send(self, user: int, text: str, **extra: Any) -> dict[str, Any] | None:
        """A member (or anyone) writes in the group."""
        return self.live.api.send_message(
            user,
            text,
            first_name=NAMES.get(user, "Test"),
            chat_id=self.chat_id,
            message_thread_id=self.thread_id,
            **extra,
        )

    async def say(self, user: int, text: str, *, contains: str | None = None) -> SentMessage:
        """Write in the group; the bot's next message there (containing `contains`)."""
        marker = self.live.api.mark()
        self.send(user, text)
        return await self.live.api.await_message(self.chat_id, contains=contains, after=marker)

    async def card(self, item: str, *, after: int = 0, contains: str | None = None) -> SentMessage:
        """The card (or its edit) about `item` that says `contains`."""
        wanted = contains or item

        def matches(message: SentMessage) -> bool:
            text = message.plain_text or ""
            return is_card(message) and item in text and wanted in text

        return await self.live.api.await_message(self.chat_id, predicate=matches, after=after)

    async def press(self, user: int, card: SentMessage, label: str) -> dict[str, Any]:
        """A user presses a button of the card; the bot's answer to the press."""
        query = self.live.api.press_button(
            user,
            card.message_id,
            card.callback_data(label),
            chat_id=self.chat_id,
            first_name=NAMES.get(user, "Test"),
        )
        return await self.live.api.await_callback_answer(query)

    async def settled(self, count: int) -> None:
        """Wait until the relay has sent `count` of the room's rows (and recorded them)."""
        delivery = self.live.app.bot_data.delivery
        assert delivery is not None
        await delivery.wait_settled(count, status="sent", channel="room")

    def cards(self) -> list[SentMessage]:
        """Every card the bot sent or edited in the room."""
        return [m for m in self.live.api.messages(self.chat_id) if is_card(m)]


def is_card(message: SentMessage) -> bool:
    """An alert's card: its last line is "Alert #N · /alert N"."""
    return CARD_FOOT.fullmatch((message.plain_text or "").rsplit("\n", 1)[-1]) is not None


async def open_room(live: Shopfront, *, forum: bool = False) -> Room:
    """Ann's shop with Sam and Olga, the bot added to the group, and /setup sent there."""
    await live.shop_with_staff()
    await live.join(user=ANNA_TOO)
    chat_id = -1001000004001 if forum else GROUP
    live.api.create_group(chat_id, "Ann's team", supergroup=forum, forum=forum)
    room = Room(live, chat_id)
    if forum:
        room.thread_id = live.api.create_topic(chat_id, "Stock")
    marker = live.api.mark()
    live.api.add_bot_to_group(chat_id, ADMIN, first_name="Ann")
    await live.api.await_message(chat_id, contains="sends /setup here", after=marker)
    done = await room.say(ADMIN, "/setup")
    assert "This group is now the room of Ann's shop" in (done.plain_text or ""), done.plain_text
    return room


def private_alerts(live: Shopfront, after: int = 0) -> list[tuple[int, str]]:
    """(chat, text) of each alert, reminder or back-in-stock message sent to a private chat."""
    words = ("Low stock", "Out of stock", "Still low", "Back in stock")
    return [
        (m.chat_id, m.plain_text or "")
        for m in live.api.all_messages()
        if m.chat_id > 0 and m.seq > after and any(w in (m.plain_text or "") for w in words)
    ]


MEMBERS = (ADMIN, STAFF, ANNA_TOO)
