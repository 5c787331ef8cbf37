"""B3: `stockbot run` against a minimal echo bot, both as real processes polling the local Bot
API server: saturation throughput (closed loop), then latency under an open loop of Poisson
arrivals at half the echo bot's saturation rate; B5: the bot's memory, idle and after that."""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench import dataset
from bench.b3_report import (
    OPEN_LOOP_SHARE,
    BotResult,
    Memory,
    b3_rows,
    b5_rows,
    details,
    latency,
)
from bench.chat_load import Chat, EchoChat, Ledger, StockChat
from bench.open_loop import offer_schedule, poisson_schedule
from bench.pg import scratch_database
from bench.processes import cpu_seconds, memory_kib, running
from bench.proxy import free_port, wait_for_port
from bench.report import Outcome, progress
from bench.runner import Context
from bench.saturation import saturate
from tests.fakes.telegram_api import FakeBotApi

ID = "B3"
IDS = ("B3", "B5")
# The most TELEGRAM_RATE_LIMIT allows (1,000 a second, Telegram's paid-broadcast ceiling),
# far above what either bot sends here: the figures are the bots' own processing.
RATE_LIMIT = "1000"
START_TIMEOUT = 60.0
SETTLE_SECONDS = 3.0
QUANTITY = 1_000_000
ITEMS_PER_SHOP = 20
SEED = 3


@dataclass(frozen=True)
class Sizes:
    """How many chats, and how long each phase lasts, in seconds."""

    chats: int
    saturation_warm_up: float
    saturation: float
    open_warm_up: float
    open_loop: float
    drain_timeout: float


def sizes(ctx: Context) -> Sizes:
    """Small and short for the smoke run; 1,000 chats for the figures."""
    if ctx.quick:
        return Sizes(100, 1.0, 2.0, 1.0, 3.0, 5.0)
    return Sizes(1000, 5.0, 20.0, 5.0, 30.0, 20.0)


def shape(chats: int) -> dataset.Shape:
    """Shops of 3 members, enough for one chat each; items that never alert, so that every
    command gets exactly one reply."""
    return dataset.Shape(
        shops=math.ceil(chats / dataset.MEMBERS_PER_SHOP),
        items_per_shop=ITEMS_PER_SHOP,
        quantity_sql=str(QUANTITY),
        threshold_sql="0",
    )


def chat_ids(chats: int) -> list[tuple[int, int]]:
    """(shop, member) of each chat: every member of shop 1, then of shop 2 …"""
    per_shop = dataset.MEMBERS_PER_SHOP
    return [(1 + n // per_shop, n % per_shop) for n in range(chats)]


def run(ctx: Context) -> Outcome:
    """The echo bot, then Stockbot, each against a fresh local Bot API server."""
    size = sizes(ctx)
    echo = _echo_run(size)
    with scratch_database("b3") as url:
        chosen = shape(size.chats)
        dataset.load(url, chosen)
        dataset.vacuum_analyze(url)
        bot, memory = _bot_run(url, size, echo.rate)
    return Outcome(
        rows=[*b3_rows(size.chats, echo, bot), *b5_rows(memory)],
        tables=[details(size.chats, RATE_LIMIT, echo, bot)],
    )


def bot_settings(api: FakeBotApi, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    # The daily check is due half a day away: it must not run during the measurement.
    check_at = datetime.now(UTC) + timedelta(hours=12)
    return {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_RATE_LIMIT": RATE_LIMIT,
        # In the closed loop each chat sends its next command on the reply to the last: far
        # beyond a person's 30 a minute, and the bot's capacity is what is measured.
        "COMMANDS_PER_MINUTE": "100000",
        "ALERT_CHECK_TIME": f"{check_at:%H:%M}",
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }


def _echo_run(size: Sizes) -> BotResult:
    """The echo bot's run, its open loop at OPEN_LOOP_SHARE of its saturation rate."""
    with (
        FakeBotApi() as api,
        running(["-m", "bench.echo_bot"], bot_settings(api), label="echo") as child,
    ):
        api.wait_until_polled(timeout=START_TIMEOUT)
        chats: Sequence[Chat] = [
            EchoChat(dataset.member_telegram_id(shop, member))
            for shop, member in chat_ids(size.chats)
        ]
        return _measure("echo bot", api, child.pid, chats, size, rate=None)


def _bot_run(url: str, size: Sizes, rate: float) -> tuple[BotResult, Memory]:
    # The HTTP API on too (B5 measures the process as shops run it), though B3 never calls it.
    port = free_port()
    api_settings = {"DATABASE_URL": url, "HTTP_PORT": str(port)}
    with (
        FakeBotApi() as api,
        running(["-m", "bot", "run"], bot_settings(api, api_settings), label="stockbot") as child,
    ):
        api.wait_until_polled(timeout=START_TIMEOUT)
        wait_for_port(port, timeout=START_TIMEOUT)
        time.sleep(SETTLE_SECONDS)  # idle: started, polling, nothing to do
        idle, _ = memory_kib(child.pid)
        result = _measure("stockbot", api, child.pid, stock_chats(size.chats), size, rate=rate)
        after, peak = memory_kib(child.pid)
        errors = child.errors()
    if errors:
        progress(f"the bot logged {len(errors)} error lines, the first: {errors[0][:300]}")
    return result, Memory(idle, after, peak)


def stock_chats(chats: int) -> list[Chat]:
    rng = random.Random(SEED)
    per_shop = dataset.MEMBERS_PER_SHOP
    return [
        StockChat(
            user_id=dataset.member_telegram_id(shop, member),
            items=tuple(range(1 + member, ITEMS_PER_SHOP + 1, per_shop)),
            items_per_shop=ITEMS_PER_SHOP,
            quantity=QUANTITY,
            rng=random.Random(rng.random()),
        )
        for shop, member in chat_ids(chats)
    ]


def _measure(
    label: str,
    api: FakeBotApi,
    pid: int,
    chats: Sequence[Chat],
    size: Sizes,
    *,
    rate: float | None,
) -> BotResult:
    """Saturation, then the open loop at `rate` (None: OPEN_LOOP_SHARE of this bot's
    saturation rate)."""
    ledger = Ledger(api, chats)
    cpu_before = cpu_seconds(pid)
    saturation = saturate(ledger, chats, warm_up=size.saturation_warm_up, seconds=size.saturation)
    cpu_per_command = (cpu_seconds(pid) - cpu_before) / ledger.sent
    progress(f"{label}: saturation {saturation.rate:,.0f} commands/s")
    offered = saturation.rate * OPEN_LOOP_SHARE if rate is None else rate
    length = size.open_warm_up + size.open_loop
    schedule = poisson_schedule(offered, length, len(chats), SEED)
    open_loop = offer_schedule(
        ledger,
        chats,
        schedule,
        length=length,
        warm_up=size.open_warm_up,
        drain_timeout=size.drain_timeout,
    )
    progress(
        f"{label}: open loop at {offered:,.0f}/s, p50 {latency(open_loop.percentile(0.5))}, "
        f"p99 {latency(open_loop.percentile(0.99))}, {open_loop.missing} unanswered"
    )
    for example in ledger.wrong[:5]:
        progress(f"{label}: wrong reply: {example}")
    return BotResult(saturation, open_loop, offered, cpu_per_command, os.getloadavg()[0])
