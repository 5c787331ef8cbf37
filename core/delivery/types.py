"""The shapes every delivery channel shares: the claim it is handed, the outcome it reports, and
the retry policy that turns outcomes into the next attempt."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

Verdict = Literal["sent", "retry", "dead", "defer"]
# Kept short: the reason ends up in a TEXT column and on an operator's terminal.
MAX_REASON = 500


@dataclass(frozen=True)
class Outcome:
    """The result of one delivery attempt.

    `sent`: the channel accepted it. `retry`: a transient failure, counted as an attempt and
    retried after a backoff. `dead`: a permanent failure, never retried. `defer`: try again after
    `delay` without counting an attempt (Telegram's RetryAfter, or a release at shutdown)."""

    verdict: Verdict
    reason: str | None = None
    delay: timedelta = timedelta(0)
    # How many parts of a split message went out already, so a retry sends only the rest.
    parts_sent: int | None = None
    # A room's alert card that was sent or edited: the (chat id, message id) it now is, kept
    # with the row's outcome so that the card's next change edits that message.
    card: tuple[int, int] | None = None
    # The recipient is gone for good (a webhook endpoint answered 410 Gone): it gets no more.
    gone: bool = False

    @classmethod
    def sent(cls, *, card: tuple[int, int] | None = None) -> Outcome:
        """The channel accepted the message."""
        return cls("sent", card=card)

    @classmethod
    def retry(cls, reason: str, *, parts_sent: int | None = None) -> Outcome:
        """A transient failure: try again later."""
        return cls("retry", _short(reason), parts_sent=parts_sent)

    @classmethod
    def dead(cls, reason: str, *, gone: bool = False) -> Outcome:
        """A permanent failure: give up, keep the reason; `gone`: nor send it anything more."""
        return cls("dead", _short(reason), gone=gone)

    @classmethod
    def defer(
        cls, reason: str | None, delay: timedelta = timedelta(0), *, parts_sent: int | None = None
    ) -> Outcome:
        """Not attempted (or told to wait): try again after delay, the attempt not counted."""
        return cls("defer", None if reason is None else _short(reason), delay, parts_sent)


def _short(reason: str) -> str:
    reason = " ".join(reason.split())
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


@dataclass(frozen=True)
class WebhookTarget:
    """Where a webhook claim is posted, and the secret that signs it (never shown)."""

    url: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Claim:
    """A notification this relay holds until `leased_until`; the lease also fences outcomes."""

    id: int
    shop_id: int
    member_id: int | None  # None for the shop's room
    channel: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    idempotency_key: str
    leased_until: datetime
    # Its member is in quiet hours: a Telegram message goes without a sound (SPEC 2.10).
    silent: bool = False
    # The alert it is about (a card's alert); None for digests and codes.
    alert_id: int | None = None
    # A webhook row's endpoint, read when it is claimed; None if it was deleted or disabled.
    webhook: WebhookTarget | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, and the number of attempts before a row is dead."""

    base: timedelta = timedelta(seconds=15)
    cap: timedelta = timedelta(minutes=5)
    max_attempts: int = 40
    # Equal jitter: a random point in the upper half of the exponential delay.
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the given number of failed attempts."""
        exponent = min(max(attempts - 1, 0), 30)
        full: timedelta = min(self.base * (2**exponent), self.cap)
        return full / 2 + full / 2 * float(self.jitter())
