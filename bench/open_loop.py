"""B3's open loop: commands arrive at a fixed offered rate (a Poisson process over many chats)
whether or not earlier ones were answered, so a bot that falls behind shows it as latency."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.chat_load import POLL, Chat, Ledger


@dataclass(frozen=True)
class Arrival:
    """One command of the schedule: when, in seconds from the start, and from which chat."""

    at: float
    chat: int


def poisson_schedule(rate: float, seconds: float, chats: int, seed: int) -> tuple[Arrival, ...]:
    """Arrivals over `seconds` at `rate` a second on average, exponentially spaced, each from
    a chat drawn uniformly: the same seed gives the same schedule."""
    rng = random.Random(seed)
    arrivals: list[Arrival] = []
    at = rng.expovariate(rate)
    while at < seconds:
        arrivals.append(Arrival(at, rng.randrange(chats)))
        at += rng.expovariate(rate)
    return tuple(arrivals)


@dataclass(frozen=True)
class OpenLoop:
    """The measured commands (those after the warm-up), the latencies of those answered
    (sorted), those still unanswered at the end, and how late the driver sent any command."""

    offered: int
    seconds: float
    latencies: tuple[float, ...]
    missing: int
    late: float
    wrong: tuple[str, ...]

    @property
    def rate(self) -> float:
        """Measured commands offered a second."""
        return self.offered / self.seconds

    def percentile(self, fraction: float) -> float:
        """Nearest-rank latency percentile of the measured commands, in seconds; a command
        never answered counts as slower than every answered one (infinite)."""
        if not self.offered:
            return math.nan
        rank = max(1, math.ceil(fraction * self.offered))
        return self.latencies[rank - 1] if rank <= len(self.latencies) else math.inf


def offer_schedule(
    ledger: Ledger,
    chats: Sequence[Chat],
    schedule: Sequence[Arrival],
    *,
    length: float,
    warm_up: float,
    drain_timeout: float,
) -> OpenLoop:
    """Send each command of a schedule `length` seconds long at its time (never waiting on
    replies), measure those scheduled after warm_up, then wait up to drain_timeout for the
    last replies."""
    wrong_before = len(ledger.wrong)
    latencies: list[float] = []
    late = 0.0
    start = time.monotonic()
    for arrival in schedule:
        due = start + arrival.at
        _collect_until(ledger, due, latencies)
        late = max(late, time.monotonic() - due)
        ledger.offer(chats[arrival.chat], counted=arrival.at >= warm_up)
    latencies.extend(reply.latency for reply in ledger.drain(drain_timeout) if reply.counted)
    measured = [arrival for arrival in schedule if arrival.at >= warm_up]
    return OpenLoop(
        offered=len(measured),
        seconds=length - warm_up,
        latencies=tuple(sorted(latencies)),
        missing=ledger.outstanding_counted(),
        late=late,
        wrong=tuple(ledger.wrong[wrong_before:]),
    )


def _collect_until(ledger: Ledger, due: float, latencies: list[float]) -> None:
    while True:
        latencies.extend(reply.latency for reply in ledger.collect() if reply.counted)
        left = due - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(POLL, left))
