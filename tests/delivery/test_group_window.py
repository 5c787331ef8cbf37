"""Telegram's group limit in the bot's rate limiter: at most 20 messages in any minute to one
group, sends and edits together; a push beyond it is put off, a reply waits for room."""

from __future__ import annotations

import math

import pytest
from telegram.error import RetryAfter

from bot.delivery.group_window import GroupWindow
from bot.delivery.limits import PUSH, StockbotRateLimiter
from core.delivery.telegram_budget import ARRIVAL_MARGIN
from tests.delivery.conftest import ADMIN
from tests.delivery.test_limits import limited_bot
from tests.fakes.telegram_api import FakeBotApi

GROUP = -4001


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_counts_a_minute_back_and_says_when_it_frees() -> None:
    ticks = Ticks()
    window = GroupWindow(limit=2, period=60, clock=ticks)

    assert window.take(GROUP)
    ticks.now += 10
    assert window.take(GROUP)
    assert not window.take(GROUP)
    # A minute after the first, and the margin for a message's way to Telegram.
    assert window.wait_time(GROUP) == pytest.approx(50 + ARRIVAL_MARGIN)
    assert window.take(-4002)  # another group has its own minute

    ticks.now += 50
    assert not window.take(GROUP)
    ticks.now += ARRIVAL_MARGIN
    assert window.take(GROUP)


async def test_the_21st_push_to_a_group_in_a_minute_is_put_off_unsent_and_private_chats_go_on(
    bot_api: FakeBotApi,
) -> None:
    bot_api.create_group(GROUP)
    async with limited_bot(bot_api) as bot:
        sent = [await bot.send_message(GROUP, f"Card {n}", rate_limit_args=PUSH) for n in range(19)]
        await bot.edit_message_text("Card 0, edited", chat_id=GROUP, message_id=sent[0].message_id)

        with pytest.raises(RetryAfter) as put_off:
            await bot.send_message(GROUP, "Card 20", rate_limit_args=PUSH)
        await bot.send_message(ADMIN, "Private", rate_limit_args=PUSH)

    # Until the first card is a minute old (and the margin), in whole seconds.
    assert 1 <= put_off.value.retry_after.total_seconds() <= math.ceil(60 + ARRIVAL_MARGIN)
    assert len(bot_api.messages(GROUP)) == 20
    assert bot_api.group_limit_refusals == []
    assert [m.plain_text for m in bot_api.messages(ADMIN)] == ["Private"]


async def test_a_reply_beyond_the_groups_minute_waits_for_room_and_is_sent(
    bot_api: FakeBotApi,
) -> None:
    bot_api.create_group(GROUP)
    async with limited_bot(bot_api) as bot:
        limiter = bot.rate_limiter
        assert isinstance(limiter, StockbotRateLimiter)
        limiter.groups = GroupWindow(limit=2, period=0.5)
        for n in range(3):
            await bot.send_message(GROUP, f"Reply {n}")

    first, _, third = bot_api.messages(GROUP)
    assert third.plain_text == "Reply 2"
    assert third.at - first.at >= 0.5
