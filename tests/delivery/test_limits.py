"""The shared rate limiter: replies wait out short flood waits, pushes never wait in it."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.delivery.limits import PUSH, PushPacer, Stopped, build_rate_limiter
from bot.delivery.messages import MAX_CALLBACK_DATA, alert_buttons, split_lines
from tests.delivery.conftest import ADMIN, delivery_settings
from tests.fakes.telegram_api import FakeBotApi


@asynccontextmanager
async def limited_bot(bot_api: FakeBotApi) -> AsyncIterator[ExtBot[None]]:
    bot = ExtBot(
        bot_api.token,
        base_url=bot_api.base_url,
        rate_limiter=build_rate_limiter(delivery_settings(bot_api), None),
    )
    async with bot:
        yield bot


def sends(bot_api: FakeBotApi) -> int:
    return len([r for r in bot_api.requests if r.method == "sendMessage"])


async def test_a_reply_waits_out_a_short_flood_wait_and_is_sent(bot_api: FakeBotApi) -> None:
    bot_api.fail_next("sendMessage", retry_after=1, chat_id=ADMIN)
    async with limited_bot(bot_api) as bot:
        await bot.send_message(ADMIN, "Added 3 Tea.")
    assert [m.plain_text for m in bot_api.messages(ADMIN)] == ["Added 3 Tea."]
    assert sends(bot_api) == 2


async def test_a_reply_is_not_held_for_a_long_flood_wait(bot_api: FakeBotApi) -> None:
    bot_api.fail_next("sendMessage", retry_after=600, chat_id=ADMIN)
    async with limited_bot(bot_api) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(ADMIN, "Added 3 Tea.")
    assert sends(bot_api) == 1


async def test_a_push_is_tried_once_and_its_flood_wait_goes_back_to_the_relay(
    bot_api: FakeBotApi,
) -> None:
    bot_api.fail_next("sendMessage", retry_after=1, chat_id=ADMIN)
    async with limited_bot(bot_api) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(ADMIN, "Low stock: Tea", rate_limit_args=PUSH)
    assert sends(bot_api) == 1
    assert bot_api.messages(ADMIN) == []


async def test_turns_in_one_chat_start_an_interval_after_the_previous_one_ended() -> None:
    pacer = PushPacer(interval=0.2)
    loop = asyncio.get_running_loop()
    starts: dict[int, list[float]] = {1: [], 2: []}

    async def push(chat: int) -> None:
        async with pacer.turn(chat):
            starts[chat].append(loop.time())

    await asyncio.gather(*(push(chat) for chat in (1, 1, 1, 2)))
    assert all(b - a >= 0.2 for a, b in itertools.pairwise(starts[1]))
    # Another chat does not queue behind the first one's pushes.
    assert starts[2][0] < starts[1][1]


async def test_a_flood_wait_holds_every_chats_next_push() -> None:
    pacer = PushPacer(interval=0.0)
    loop = asyncio.get_running_loop()
    pacer.hold(0.3)
    held_at = loop.time()
    async with pacer.turn(5):
        assert loop.time() - held_at >= 0.3


async def test_a_push_waiting_for_its_turn_gives_up_when_the_relay_stops() -> None:
    pacer = PushPacer(interval=60)
    stopping = asyncio.Event()
    async with pacer.turn(1, stopping):
        pass
    waiting = asyncio.create_task(pacer.turn(1, stopping).__aenter__())
    stopping.set()
    with pytest.raises(Stopped):
        await waiting


def test_split_texts_keep_whole_lines_within_the_limit() -> None:
    lines = [f"line {n} " + "é" * (n % 7) for n in range(200)]
    texts = split_lines("Header", lines, limit=100)
    assert all(len(text.encode("utf-16-le")) // 2 <= 100 for text in texts)
    assert texts[0].startswith("Header\n")
    assert texts[1].startswith("(continued)\n")
    body = [line for text in texts for line in text.splitlines()[1:]]
    assert body == lines


def test_alert_buttons_carry_short_prefixed_callback_data() -> None:
    markup = alert_buttons(10**18)
    data = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert data == [
        f"alert:resolve:{10**18}",
        f"alert:restock:{10**18}",
        f"alert:ack:{10**18}",
        f"alert:order:{10**18}",
        f"alert:snooze:{10**18}",
    ]
    assert all(len(str(d).encode()) <= MAX_CALLBACK_DATA for d in data)
