"""What every delivery channel reports back, and how recipients are shown in logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

Verdict = Literal["sent", "retry", "dead", "defer"]
CHANNELS = ("telegram", "email", "whatsapp")
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

    @classmethod
    def sent(cls) -> Outcome:
        """The channel accepted the message."""
        return cls("sent")

    @classmethod
    def retry(cls, reason: str, *, parts_sent: int | None = None) -> Outcome:
        """A transient failure: try again later."""
        return cls("retry", _short(reason), parts_sent=parts_sent)

    @classmethod
    def dead(cls, reason: str) -> Outcome:
        """A permanent failure: give up, keep the reason."""
        return cls("dead", _short(reason))

    @classmethod
    def defer(
        cls, reason: str | None, delay: timedelta = timedelta(0), *, parts_sent: int | None = None
    ) -> Outcome:
        """Not attempted (or told to wait): try again after delay, the attempt not counted."""
        return cls("defer", None if reason is None else _short(reason), delay, parts_sent)


def _short(reason: str) -> str:
    reason = " ".join(reason.split())
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def mask_email(address: str) -> str:
    """`tea.shop@example.com` → `t***@e***.com`: enough for an operator, not a full address."""
    local, at, domain = address.rpartition("@")
    if not at:
        return _mask_word(address)
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{_mask_word(host)}.{tld}" if dot else _mask_word(domain)
    return f"{_mask_word(local)}@{masked_domain}"


def mask_number(number: str) -> str:
    """`+14155550123` → `+1******0123`: the country and the last digits only."""
    digits = number.removeprefix("whatsapp:")
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 6) + digits[-4:]


def mask_recipient(channel: str, recipient: str) -> str:
    """A recipient as logs may show it; Telegram chat ids are not personal data on their own."""
    if channel == "email":
        return mask_email(recipient)
    if channel == "whatsapp":
        return mask_number(recipient)
    return f"chat {recipient}"


def _mask_word(word: str) -> str:
    return f"{word[:1]}***" if word else "***"
