"""No user can stall others: one chat's backlog never delays another chat's replies, and a
user who sends more than 30 commands in a minute is told once to slow down."""

from __future__ import annotations

import asyncio
import time

from bot.app import build_application
from bot.flood import FloodGate, Verdict
from core.db.session import Database
from tests.bot.harness import ADMIN, STAFF, Shopfront, bot_settings, serving
from tests.fakes.telegram_api import FakeBotApi

FLOOD = 300
LIMIT = 30
SLOW_DOWN = "slow down"


async def test_another_users_help_is_answered_within_two_seconds_of_a_300_command_flood(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 5 2")
    shopfront.app.bot_data.flood = FloodGate()  # the commands of the set-up do not count
    before = shopfront.state()
    marker = shopfront.api.mark()

    with shopfront.api.batch():
        for n in range(1, FLOOD + 1):
            shopfront.send(STAFF, f"/stock x{n}")
        shopfront.send(ADMIN, "/help")
    sent_at = time.monotonic()
    help_reply = await shopfront.api.await_message(ADMIN, after=marker, timeout=30)
    waited = time.monotonic() - sent_at
    print(f"/help answered {waited:.3f} s after a flood of {FLOOD} commands from another user")
    assert waited < 2.0

    replies = await shopfront.api.await_messages(STAFF, LIMIT + 1, after=marker, timeout=30)
    # Not behind the flood: answered before the flooding user's commands are all answered.
    assert help_reply.seq < replies[LIMIT - 1].seq
    assert [reply.plain_text for reply in replies[:LIMIT]] == [
        f"No item matches “x{n}”." for n in range(1, LIMIT + 1)
    ]
    assert SLOW_DOWN in (replies[LIMIT].plain_text or "").casefold()
    await asyncio.sleep(1.0)  # time for any further reply to the excess to show up
    assert len(shopfront.api.replies_since(STAFF, marker)) == LIMIT + 1
    assert shopfront.state() == before


async def test_a_flood_of_stock_changes_applies_the_first_30_in_order_and_nothing_after(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 0 0")
    shopfront.app.bot_data.flood = FloodGate()  # the commands of the set-up do not count
    marker = shopfront.api.mark()

    with shopfront.api.batch():
        for _ in range(LIMIT + 20):
            shopfront.send(STAFF, "/add Green tea 1")
    replies = await shopfront.api.await_messages(STAFF, LIMIT + 1, after=marker, timeout=30)
    await asyncio.sleep(1.0)

    assert [reply.plain_text for reply in replies[:LIMIT]] == [
        f"✅ Received 1 Green tea: {n} in stock." for n in range(1, LIMIT + 1)
    ]
    assert SLOW_DOWN in (replies[LIMIT].plain_text or "").casefold()
    assert len(shopfront.api.replies_since(STAFF, marker)) == LIMIT + 1
    assert shopfront.quantity("Green tea") == LIMIT
    adds = shopfront.sql("SELECT count(*) FROM movements WHERE reason = 'add'")
    assert adds[0][0] == LIMIT


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_31st_command_in_a_minute_is_held_back_and_only_it_is_told_to_slow_down() -> None:
    gate = FloodGate(clock=FakeClock())
    verdicts = [gate.admit(STAFF) for _ in range(LIMIT + 5)]
    assert verdicts == [Verdict.ACT] * LIMIT + [Verdict.WARN] + [Verdict.DROP] * 4
    assert gate.admit(ADMIN) is Verdict.ACT  # another user has a window of their own


def test_a_held_back_user_may_send_again_as_the_window_slides() -> None:
    clock = FakeClock()
    gate = FloodGate(clock=clock)
    for second in range(LIMIT):
        clock.now = 1000.0 + second
        assert gate.admit(STAFF) is Verdict.ACT
    clock.now = 1059.5
    assert [gate.admit(STAFF), gate.admit(STAFF)] == [Verdict.WARN, Verdict.DROP]
    clock.now = 1060.0  # the first command is a minute old: room for exactly one more
    assert [gate.admit(STAFF), gate.admit(STAFF)] == [Verdict.ACT, Verdict.WARN]
    clock.now = 1065.0  # five more have left the window; the excess above never counted
    assert [gate.admit(STAFF) for _ in range(6)] == [Verdict.ACT] * 5 + [Verdict.WARN]


def test_users_with_nothing_in_the_window_are_forgotten() -> None:
    clock = FakeClock()
    gate = FloodGate(clock=clock)
    for user in range(2000):
        gate.admit(user)
    clock.now += 61.0
    gate.admit(STAFF)
    assert gate.users < 1100


async def test_on_real_time_the_user_is_heard_again_once_the_window_has_passed(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 0 0")
    shopfront.app.bot_data.flood = FloodGate(limit=3, window=1.0)
    marker = shopfront.api.mark()
    with shopfront.api.batch():
        for _ in range(5):
            shopfront.send(STAFF, "/add Green tea 1")
    replies = await shopfront.api.await_messages(STAFF, 4, after=marker, timeout=10)
    assert SLOW_DOWN in (replies[3].plain_text or "").casefold()
    assert shopfront.quantity("Green tea") == 3

    await asyncio.sleep(1.1)
    again = await shopfront.say(STAFF, "/add Green tea 1")
    assert again.plain_text == "✅ Received 1 Green tea: 4 in stock."
    assert len(shopfront.api.replies_since(STAFF, marker)) == 5


async def test_commands_per_minute_sets_the_limit_a_user_is_held_to(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database
) -> None:
    settings = bot_settings(bot_api, postgres_url, commands_per_minute=2)
    application = build_application(settings, pg_db, delivery=None)
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        shopfront = Shopfront(bot_api, application, pg_db)
        marker = shopfront.api.mark()
        with shopfront.api.batch():
            for _ in range(4):
                shopfront.send(ADMIN, "/help")
        replies = await shopfront.api.await_messages(ADMIN, 3, after=marker, timeout=10)
    assert SLOW_DOWN not in (replies[1].plain_text or "").casefold()
    assert SLOW_DOWN in (replies[2].plain_text or "").casefold()
