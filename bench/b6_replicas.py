"""B6: saturation throughput of 1, 2 and 3 `stockbot run` processes in webhook mode behind
nginx on one PostgreSQL database, against as many webhook echo bots behind the same nginx.
On 2 cores the ratio to the echo bots, not the absolute scaling, is the figure."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager

import httpx

from bench import dataset
from bench.b3_bot import START_TIMEOUT, bot_settings, chat_ids, shape, stock_chats
from bench.chat_load import Chat, EchoChat, Ledger
from bench.pg import scratch_database
from bench.processes import running
from bench.proxy import free_port, nginx, wait_for_port
from bench.report import TIMES, Outcome, Row, Table, number, progress, ratio
from bench.runner import Context
from bench.saturation import Saturation, saturate
from tests.fakes.telegram_api import FakeBotApi

ID = "B6"
SECRET = "bench-webhook-secret-0123456789"
MIN_RATIO = 0.8


def sizes(ctx: Context) -> tuple[tuple[int, ...], int, float]:
    """(replica counts, chats, measured seconds)."""
    return ((1,), 30, 3.0) if ctx.quick else ((1, 2, 3), 200, 15.0)


def run(ctx: Context) -> Outcome:
    """Each replica count, echo bots then Stockbot, each against a fresh local Bot API."""
    counts, chats, seconds = sizes(ctx)
    warm_up = 1.0 if ctx.quick else 4.0
    figures: list[tuple[int, Saturation, Saturation]] = []
    for count in counts:
        echo = _load(count, ["-m", "bench.echo_webhook"], None, chats, warm_up, seconds)
        with scratch_database("b6") as url:
            chosen = shape(chats)
            dataset.load(url, chosen)
            dataset.vacuum_analyze(url)
            bot = _load(count, ["-m", "bot", "run"], url, chats, warm_up, seconds)
        progress(f"{count} replicas: stockbot {bot.rate:,.0f}/s, echo {echo.rate:,.0f}/s")
        figures.append((count, bot, echo))
    return Outcome(rows=_rows(figures), tables=[_table(figures)])


def _talkers(database_url: str | None, chats: int) -> Sequence[Chat]:
    if database_url is None:
        return [
            EchoChat(dataset.member_telegram_id(shop, member)) for shop, member in chat_ids(chats)
        ]
    return stock_chats(chats)


def _load(
    count: int,
    command: list[str],
    database_url: str | None,
    chats: int,
    warm_up: float,
    seconds: float,
) -> Saturation:
    ports = [free_port() for _ in range(count)]
    with FakeBotApi() as api, nginx(ports) as public_url:
        extra = {"DATABASE_URL": database_url} if database_url else {}
        settings = {
            **bot_settings(api, extra),
            "TELEGRAM_WEBHOOK_URL": public_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
        }
        with _replicas(command, settings, ports):
            talkers = _talkers(database_url, chats)
            return saturate(Ledger(api, talkers), talkers, warm_up=warm_up, seconds=seconds)


@contextmanager
def _replicas(command: list[str], settings: Mapping[str, str], ports: list[int]) -> Iterator[None]:
    with ExitStack() as stack:
        for index, port in enumerate(ports):
            stack.enter_context(
                running(command, {**settings, "HTTP_PORT": str(port)}, label=f"replica{index}")
            )
        for port in ports:
            wait_for_port(port, timeout=START_TIMEOUT)
        _await_ready(ports)
        yield


def _await_ready(ports: list[int]) -> None:
    """Stockbot answers /readyz once migrated; the echo bot has no such page (404 is up)."""
    deadline = time.monotonic() + START_TIMEOUT
    for port in ports:
        while httpx.get(f"http://127.0.0.1:{port}/readyz").status_code not in (200, 404):
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica on port {port} is not ready")
            time.sleep(0.1)


def _rows(figures: list[tuple[int, Saturation, Saturation]]) -> list[Row]:
    rows = []
    for count, bot, echo in figures:
        achieved = bot.rate / echo.rate
        wrong = "" if not bot.wrong else f", {len(bot.wrong):,} wrong or out of order"
        rows.append(
            Row(
                benchmark=f"B6 {count} webhook replicas behind nginx: throughput",
                figure=f"{number(bot.rate)} commands/s{wrong}",
                baseline=f"{count} echo bots: {number(echo.rate)}/s",
                ratio=ratio(achieved),
                target=f"≥ {MIN_RATIO}",
                met=achieved >= MIN_RATIO and not bot.wrong,
            )
        )
    return rows


def _table(figures: list[tuple[int, Saturation, Saturation]]) -> Table:
    one_bot, one_echo = figures[0][1].rate, figures[0][2].rate
    return Table(
        title="B6 scaling with replicas (each against one replica of its own kind)",
        header=("replicas", "stockbot commands/s", "scaling", "echo bots/s", "scaling"),
        rows=tuple(
            (
                str(count),
                number(bot.rate),
                f"{number(bot.rate / one_bot)} {TIMES}",
                number(echo.rate),
                f"{number(echo.rate / one_echo)} {TIMES}",
            )
            for count, bot, echo in figures
        ),
    )
