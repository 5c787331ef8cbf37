"""B3's saturation throughput: every chat keeps one command waiting at all times (a closed
loop), so the bot always has as many commands queued as there are chats."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.chat_load import POLL, Chat, Ledger

DRAIN_TIMEOUT = 30.0


@dataclass(frozen=True)
class Saturation:
    """Replies that reached the server in the measured window, and what was wrong."""

    replies: int
    seconds: float
    wrong: tuple[str, ...]

    @property
    def rate(self) -> float:
        """Commands answered a second."""
        return self.replies / self.seconds


def saturate(
    ledger: Ledger, chats: Sequence[Chat], *, warm_up: float, seconds: float
) -> Saturation:
    """Keep every chat waiting on one command for warm_up + seconds and count the replies of
    the last `seconds`; then let the last commands be answered, so that the chats' predictions
    hold for whatever is offered next."""
    wrong_before = len(ledger.wrong)
    for chat in chats:
        ledger.offer(chat)
    measured_from = time.monotonic() + warm_up
    until = measured_from + seconds
    replies = 0
    while time.monotonic() < until:
        fresh = ledger.collect()
        if not fresh:
            time.sleep(POLL)
        for reply in fresh:
            replies += measured_from <= reply.at < until
            if reply.at < until:
                ledger.offer(reply.chat)
    replies += sum(measured_from <= reply.at < until for reply in ledger.drain(DRAIN_TIMEOUT))
    if ledger.outstanding:
        raise RuntimeError(f"{ledger.outstanding} commands unanswered {DRAIN_TIMEOUT:.0f} s on")
    return Saturation(replies, seconds, tuple(ledger.wrong[wrong_before:]))
