"""B3's and B5's rows of the results table, and B3's table in detail."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from bench.open_loop import OpenLoop
from bench.report import TIMES, Row, Table, megabytes, number, ratio, seconds
from bench.saturation import Saturation

OPEN_LOOP_SHARE = 0.5  # of the echo bot's saturation rate, offered to both bots
MIN_SATURATION_RATIO = 0.8
MAX_P99_RATIO = 2.0
MAX_IDLE_MB = 150
MAX_LOADED_MB = 300


@dataclass(frozen=True)
class BotResult:
    """One bot's saturation run and its open-loop run."""

    saturation: Saturation
    open_loop: OpenLoop
    rate: float  # the open loop's offered rate, commands a second
    cpu_per_command: float  # the bot process's CPU time in the saturation run, per command
    load_average: float  # the machine's, over the last minute of the open loop

    @property
    def wrong(self) -> tuple[str, ...]:
        """Replies that did not answer their chat's oldest waiting command, in both runs."""
        return self.saturation.wrong + self.open_loop.wrong


@dataclass(frozen=True)
class Memory:
    """Stockbot's resident set size in KiB: idle before the load, current and peak after."""

    idle_kib: int
    after_kib: int
    peak_kib: int


def latency(value: float) -> str:
    """A latency percentile; infinite when it falls on a command never answered."""
    return "unanswered" if math.isinf(value) else seconds(value)


def b3_rows(chats: int, echo: BotResult, bot: BotResult) -> list[Row]:
    """Saturation against the echo bot's, open-loop latency against the echo bot's at the
    same offered rate, and whether every reply answered its command."""
    name = f"B3 commands through the local Bot API, {chats:,} chats"
    return [
        _saturation_row(name, echo.saturation, bot.saturation),
        _latency_row(name, echo.rate, echo.open_loop, bot.open_loop),
        _replies_row(name, echo, bot),
    ]


def _saturation_row(name: str, echo: Saturation, bot: Saturation) -> Row:
    achieved = bot.rate / echo.rate
    return Row(
        benchmark=f"{name}: saturation throughput (closed loop)",
        figure=f"{number(bot.rate)} commands/s",
        baseline=f"echo bot: {number(echo.rate)}/s",
        ratio=ratio(achieved),
        target=f"≥ {MIN_SATURATION_RATIO} {TIMES}",
        met=achieved >= MIN_SATURATION_RATIO,
    )


def _latency_row(name: str, rate: float, echo: OpenLoop, bot: OpenLoop) -> Row:
    p99 = bot.percentile(0.99)
    echo_p99 = echo.percentile(0.99)
    achieved = p99 / echo_p99 if math.isfinite(p99) and math.isfinite(echo_p99) else math.inf
    return Row(
        benchmark=f"{name}: latency p50 / p99, open loop at {number(rate)} commands/s "
        f"(Poisson, {OPEN_LOOP_SHARE:g} {TIMES} the echo bot's saturation)",
        figure=f"{latency(bot.percentile(0.5))} / {latency(p99)}",
        baseline=f"echo bot: {latency(echo.percentile(0.5))} / {latency(echo_p99)}",
        ratio=f"{number(achieved)} {TIMES} (p99)" if math.isfinite(achieved) else "—",
        target=f"p99 ≤ {MAX_P99_RATIO:g} {TIMES} echo bot's",
        met=achieved <= MAX_P99_RATIO,
    )


def _replies_row(name: str, echo: BotResult, bot: BotResult) -> Row:
    return Row(
        benchmark=f"{name}: every reply answers its command, in each chat's order",
        figure=_answered(bot),
        baseline=f"echo bot: {_answered(echo)}",
        target="all",
        met=not bot.wrong and not bot.open_loop.missing,
    )


def _answered(result: BotResult) -> str:
    problems = [
        f"{len(result.wrong):,} wrong or out of order" if result.wrong else "",
        f"{result.open_loop.missing:,} unanswered" if result.open_loop.missing else "",
    ]
    return ", ".join(problem for problem in problems if problem) or "all"


def details(chats: int, rate_limit: str, echo: BotResult, bot: BotResult) -> Table:
    """Both bots' saturation and open-loop figures side by side."""
    return Table(
        title=f"B3 in detail: {chats:,} chats, open loop at {number(echo.rate)} commands/s, "
        f"TELEGRAM_RATE_LIMIT={rate_limit} for both bots (not the limit being measured)",
        header=(
            "bot",
            "saturation",
            "bot's CPU per command at saturation",
            "open loop: measured commands (offered/s)",
            "offered ÷ own saturation",
            "unanswered",
            "wrong",
            "p50",
            "p90",
            "p99",
            "max",
            "driver late by at most",
            "machine's load average at the end",
        ),
        rows=(_detail("echo bot", echo), _detail("stockbot", bot)),
    )


def _detail(label: str, result: BotResult) -> tuple[str, ...]:
    loop = result.open_loop
    return (
        label,
        f"{number(result.saturation.rate)} commands/s",
        seconds(result.cpu_per_command),
        f"{loop.offered:,} ({number(loop.rate)}/s)",
        number(loop.rate / result.saturation.rate),
        f"{loop.missing:,}",
        f"{len(result.wrong):,}",
        latency(loop.percentile(0.5)),
        latency(loop.percentile(0.9)),
        latency(loop.percentile(0.99)),
        latency(loop.percentile(1.0)),
        seconds(loop.late),
        f"{result.load_average:.1f} on {os.cpu_count()} cores",
    )


def b5_rows(memory: Memory) -> list[Row]:
    """Stockbot's memory idle, and at the end of B3's load."""
    idle_mb = memory.idle_kib * 1024 / 1e6
    peak_mb = memory.peak_kib * 1024 / 1e6
    return [
        Row(
            benchmark="B5 memory of stockbot run with the HTTP API on: idle",
            figure=f"{megabytes(memory.idle_kib)} RSS",
            target=f"≤ {MAX_IDLE_MB} MB",
            met=idle_mb <= MAX_IDLE_MB,
        ),
        Row(
            benchmark="B5 memory of stockbot run with the HTTP API on: at the end of B3 (peak)",
            figure=f"{megabytes(memory.after_kib)} RSS ({megabytes(memory.peak_kib)} peak)",
            target=f"≤ {MAX_LOADED_MB} MB",
            met=peak_mb <= MAX_LOADED_MB,
        ),
    ]
