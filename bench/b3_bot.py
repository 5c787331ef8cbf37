"""B3: commands a second and latency of `stockbot run` for many chats through the local Bot
API server, against a minimal echo bot; B5: the bot's memory, idle and after that load."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench import dataset
from bench.chat_load import Chat, EchoChat, LoadResult, StockChat, drive
from bench.pg import scratch_database
from bench.processes import memory_kib, running
from bench.report import TIMES, Outcome, Row, megabytes, number, progress, ratio, seconds
from bench.runner import Context
from tests.fakes.telegram_api import FakeBotApi

ID = "B3"
IDS = ("B3", "B5")
RATE_LIMIT = "1000"  # Telegram's paid-broadcast ceiling: the bot's own capacity is measured
START_TIMEOUT = 60.0
SETTLE_SECONDS = 3.0
MIN_RATIO = 0.5
MAX_P99 = 0.250
MAX_IDLE_MB = 120
MAX_LOADED_MB = 250
QUANTITY = 1_000_000


@dataclass(frozen=True)
class BotRun:
    """The bot's load result and its memory: idle before the load, current and peak after."""

    load: LoadResult
    idle_kib: int
    after_kib: int
    peak_kib: int


def sizes(ctx: Context) -> tuple[int, float]:
    """(chats, measured seconds)."""
    return (50, 5.0) if ctx.quick else (200, 30.0)


def shape(chats: int) -> dataset.Shape:
    """One shop per chat, items that never alert, so that every command gets one reply."""
    return dataset.Shape(
        shops=chats, items_per_shop=20, quantity_sql=str(QUANTITY), threshold_sql="0"
    )


def run(ctx: Context) -> Outcome:
    """The echo bot, then Stockbot, each against a fresh local Bot API server."""
    chats, duration = sizes(ctx)
    warm_up = 2.0 if ctx.quick else 5.0
    echo = _echo_run(chats, warm_up=warm_up, seconds=duration)
    with scratch_database("b3") as url:
        chosen = shape(chats)
        dataset.load(url, chosen)
        dataset.vacuum_analyze(url)
        bot = _bot_run(url, chosen, warm_up=warm_up, seconds=duration)
    return Outcome(rows=[*_b3_rows(chats, bot.load, echo), *_b5_rows(bot)])


def _settings(api: FakeBotApi, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # The daily check is due half a day away: it must not run during the measurement.
    check_at = datetime.now(UTC) + timedelta(hours=12)
    return {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_RATE_LIMIT": RATE_LIMIT,
        # Each simulated user sends its next command on the reply to the last: far beyond a
        # person's 30 a minute, and the bot's capacity is what is measured.
        "COMMANDS_PER_MINUTE": "100000",
        "ALERT_CHECK_TIME": f"{check_at:%H:%M}",
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }


def _echo_run(chats: int, *, warm_up: float, seconds: float) -> LoadResult:
    with FakeBotApi() as api, running(["-m", "bench.echo_bot"], _settings(api), label="echo"):
        api.wait_until_polled(timeout=START_TIMEOUT)
        talkers: Sequence[Chat] = [EchoChat(user_id=10 * (n + 1)) for n in range(chats)]
        result = drive(api, talkers, warm_up=warm_up, seconds=seconds)
    progress(f"echo bot: {result.rate:,.0f} replies/s, p99 {result.percentile(0.99):.3f}s")
    return result


def _bot_run(url: str, chosen: dataset.Shape, *, warm_up: float, seconds: float) -> BotRun:
    with (
        FakeBotApi() as api,
        running(
            ["-m", "bot", "run"], _settings(api, {"DATABASE_URL": url}), label="stockbot"
        ) as child,
    ):
        api.wait_until_polled(timeout=START_TIMEOUT)
        time.sleep(SETTLE_SECONDS)  # idle: started, polling, nothing to do
        idle, _ = memory_kib(child.pid)
        rng = random.Random(3)
        talkers: Sequence[Chat] = [
            StockChat(
                user_id=dataset.member_telegram_id(shop, 0),
                items_per_shop=chosen.items_per_shop,
                quantity=QUANTITY,
                rng=random.Random(rng.random()),
            )
            for shop in range(1, chosen.shops + 1)
        ]
        result = drive(api, talkers, warm_up=warm_up, seconds=seconds)
        after, peak = memory_kib(child.pid)
        errors = child.errors()
    progress(f"stockbot: {result.rate:,.0f} replies/s, p99 {result.percentile(0.99):.3f}s")
    for example in result.examples:
        progress(f"wrong reply: {example}")
    if errors:
        progress(f"the bot logged {len(errors)} error lines, the first: {errors[0][:300]}")
    return BotRun(result, idle, after, peak)


def _b3_rows(chats: int, bot: LoadResult, echo: LoadResult) -> list[Row]:
    name = f"B3 commands through the local Bot API, {chats} chats"
    achieved = bot.rate / echo.rate
    p99 = bot.percentile(0.99)
    return [
        Row(
            benchmark=f"{name}: throughput",
            figure=f"{number(bot.rate)} commands/s",
            baseline=f"echo bot: {number(echo.rate)}/s",
            ratio=ratio(achieved),
            target=f"≥ {MIN_RATIO}",
            met=achieved >= MIN_RATIO,
        ),
        Row(
            benchmark=f"{name}: latency p50 / p99",
            figure=f"{seconds(bot.percentile(0.5))} / {seconds(p99)}",
            baseline=f"echo bot: {seconds(echo.percentile(0.5))} / "
            f"{seconds(echo.percentile(0.99))}",
            ratio=f"{number(p99 / echo.percentile(0.99))} {TIMES} (p99)",
            target=f"p99 ≤ {seconds(MAX_P99)}",
            met=p99 <= MAX_P99,
        ),
        Row(
            benchmark=f"{name}: replies in each chat's order",
            figure="all" if bot.wrong == 0 else f"{bot.wrong:,} wrong or out of order",
            baseline="echo bot: all" if echo.wrong == 0 else f"echo bot: {echo.wrong:,} wrong",
            target="all",
            met=bot.wrong == 0,
        ),
    ]


def _b5_rows(bot: BotRun) -> list[Row]:
    idle_mb = bot.idle_kib * 1024 / 1e6
    peak_mb = bot.peak_kib * 1024 / 1e6
    return [
        Row(
            benchmark="B5 memory of stockbot run: idle",
            figure=f"{megabytes(bot.idle_kib)} RSS",
            target=f"≤ {MAX_IDLE_MB} MB",
            met=idle_mb <= MAX_IDLE_MB,
        ),
        Row(
            benchmark="B5 memory of stockbot run: at the end of B3 (peak)",
            figure=f"{megabytes(bot.after_kib)} RSS ({megabytes(bot.peak_kib)} peak)",
            target=f"≤ {MAX_LOADED_MB} MB",
            met=peak_mb <= MAX_LOADED_MB,
        ),
    ]
