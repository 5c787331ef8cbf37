"""Chats are handled concurrently, each chat's updates in the order they were sent, and a
chat's backlog never keeps another chat waiting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.flood import FloodGate
from bot.ordering import PerChatUpdateProcessor
from tests.bot.harness import ADMIN, STAFF, Shopfront


def update_in_chat(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="hi"))


async def test_different_chats_are_handled_at_the_same_time() -> None:
    processor = PerChatUpdateProcessor()
    b_started = asyncio.Event()

    async def chat_a() -> None:
        # Finishes only if chat B's update runs while this one is still in progress.
        await b_started.wait()

    async def chat_b() -> None:
        b_started.set()

    async with processor:
        await asyncio.wait_for(
            asyncio.gather(
                processor.process_update(update_in_chat(1, 10), chat_a()),
                processor.process_update(update_in_chat(2, 20), chat_b()),
            ),
            timeout=5,
        )
    assert processor.chats_in_progress == 0


async def test_one_chats_updates_run_one_after_the_other_in_order() -> None:
    processor = PerChatUpdateProcessor()
    first_may_finish = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        order.append("first started")
        await first_may_finish.wait()
        order.append("first done")

    async def second() -> None:
        order.append("second started")

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(update_in_chat(1, 10), first())),
            asyncio.create_task(processor.process_update(update_in_chat(2, 10), second())),
        ]
        await asyncio.sleep(0)  # let both tasks reach the chat's lock
        assert order == ["first started"]
        first_may_finish.set()
        await asyncio.gather(*tasks)

    assert order == ["first started", "first done", "second started"]
    assert processor.chats_in_progress == 0


async def test_a_chats_queued_updates_hold_no_shared_slot() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    first_may_finish = asyncio.Event()
    other_chat_done = asyncio.Event()

    async def blocked() -> None:
        await first_may_finish.wait()

    async def queued() -> None:
        pass

    async def other_chat() -> None:
        other_chat_done.set()

    async with processor:
        backlog = [asyncio.create_task(processor.process_update(update_in_chat(1, 10), blocked()))]
        backlog += [
            asyncio.create_task(processor.process_update(update_in_chat(n, 10), queued()))
            for n in range(2, 6)
        ]
        other = asyncio.create_task(processor.process_update(update_in_chat(9, 20), other_chat()))
        # Chat 10's first update is still running, four more wait for it: chat 20 goes ahead.
        await asyncio.wait_for(other_chat_done.wait(), timeout=2)
        first_may_finish.set()
        await asyncio.gather(*backlog, other)
    assert processor.chats_in_progress == 0


async def test_two_chats_hammering_commands_keep_their_own_order(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 0 0")
    await shopfront.say(STAFF, "/additem Black tea 0 0")
    # Thirty commands each, as many as a user may send in a minute, the set-up not counted.
    shopfront.app.bot_data.flood = FloodGate()
    rounds = 30
    marker = shopfront.api.mark()

    for value in range(1, rounds + 1):
        shopfront.send(ADMIN, f"/set Green tea {value}")
        shopfront.send(STAFF, f"/set Black tea {value}")
    green = await shopfront.api.await_messages(ADMIN, rounds, after=marker, timeout=30)
    black = await shopfront.api.await_messages(STAFF, rounds, after=marker, timeout=30)

    for replies, name in ((green, "Green tea"), (black, "Black tea")):
        assert [reply.plain_text for reply in replies] == [
            f"✅ Counted {name}: {value} in stock (was {value - 1})."
            for value in range(1, rounds + 1)
        ]
        assert shopfront.quantity(name) == rounds
    sets = shopfront.sql("SELECT quantity_after FROM movements WHERE reason = 'set' ORDER BY id")
    assert sorted(row[0] for row in sets) == sorted(list(range(1, rounds + 1)) * 2)
