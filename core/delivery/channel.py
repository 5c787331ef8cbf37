"""The one shape of a delivery channel: what the relay asks of Telegram, email and WhatsApp alike.

A channel is a class with `traits` (what the relay must know of it), `open` (how the relay
builds it from its setup) and `send_batch` (send claimed rows, report each outcome)."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.delivery.config import DeliveryConfig
from core.delivery.masking import mask_recipient
from core.delivery.types import Claim, Outcome
from core.settings import Settings

log = logging.getLogger("stockbot.delivery")

# Whether to go on with a claim: False once the relay stops or the claim's lease runs short.
KeepGoing = Callable[[Claim], bool]
Settled = tuple[Claim, Outcome]
# What send_batch returns: an async generator runs on the bot's event loop; a plain one is a
# blocking channel's, and the relay iterates it in its own threads.
Outcomes = Generator[Settled, None, None] | AsyncGenerator[Settled, None]


@dataclass(frozen=True)
class ChannelTraits:
    """What the relay must know of a channel, besides how to send on it."""

    name: str
    # The claim policy. None: whole batches, one at a time, sent in order (one SMTP connection
    # each). A number: each claim takes one row per recipient, more are claimed as rows
    # settle, and at most this many rows of one recipient are in flight (Telegram's pace is
    # per chat: one chat's long queue must not hold up the others).
    per_recipient: int | None = None
    # Its failures are outages of the whole service: when a message gets through again, the
    # channel's other rows that were waiting out a backoff are due at once.
    hastens_after_outage: bool = False
    # At most NOTIFY_MAX_PER_HOUR messages to one address an hour; the rest wait, folded into
    # one held digest (SPEC 2.12, core/delivery/throttle.py).
    hourly_cap: bool = False
    # At most this many messages a minute to one recipient (a shop's room, SPEC 3.1); beyond,
    # new cards are folded into one digest and edits wait (core/delivery/rooms.py).
    per_minute: int | None = None
    # Its outcomes are recorded a whole batch per transaction once the batch is sent, not one
    # by one: a commit per batch, for a channel that sends fast (email); a crash may then send
    # the batch again (docs/delivery.md, "The duplicate window").
    settles_by_batch: bool = False
    # Said at start while the channel is off: the settings that turn it on.
    off_hint: str | None = None


@dataclass(frozen=True)
class ChannelSetup:
    """What the relay hands a channel class to open it."""

    settings: Settings
    config: DeliveryConfig


class DeliveryChannel(Protocol):
    """An open channel, as the relay drives it."""

    @property
    def traits(self) -> ChannelTraits:
        """What the relay must know of this channel."""

    @property
    def batches_at_once(self) -> int:
        """How many batches a channel of whole batches (no `per_recipient`) sends at a time,
        each in a thread of its own: its connections to the service."""

    def send_batch(self, claims: Sequence[Claim], keep_going: KeepGoing) -> Outcomes:
        """Send the claims, yielding each with its outcome as soon as the channel answered:
        the relay records it before the channel goes on, so a crash repeats one message at
        most (the batch, for a channel that `settles_by_batch`). A claim that `keep_going`
        refuses is yielded deferred, untried (Outcome.defer)."""


SetupT = TypeVar("SetupT", bound=ChannelSetup, contravariant=True)


class ChannelKind(Protocol[SetupT]):
    """A channel's class: its traits even while it is off, and how to open it when it is on."""

    @property
    def traits(self) -> ChannelTraits:
        """What the relay must know of channels of this kind."""

    def open(self, setup: SetupT) -> DeliveryChannel:
        """The channel, ready to send (called only when the settings turn it on)."""


def crashed(claim: Claim, exc: BaseException, what: str = "unexpected error") -> Outcome:
    """The outcome of a send that raised what its channel did not expect (a bug, a proxy's
    malformed answer): an attempt, retried after a backoff like any transient failure, so
    the row goes behind the others and is dead, with this reason, after the last attempt."""
    log.error("notification %d: %s", claim.id, what, exc_info=exc)
    detail, masked = str(exc), mask_recipient(claim.channel, claim.recipient)
    if claim.recipient not in masked:  # an address or number is kept masked, a chat id is not
        detail = detail.replace(claim.recipient, masked)
    return Outcome.retry(f"{what}: {type(exc).__name__}" + (f": {detail}" if detail else ""))


def one_by_one(
    claims: Sequence[Claim], keep_going: KeepGoing, send: Callable[[Claim], Outcome]
) -> Generator[Settled, None, None]:
    """send_batch for a blocking channel that sends each claim on its own, in order; a send
    that raises settles its own claim (see `crashed`) and the batch goes on."""
    for claim in claims:
        if not keep_going(claim):
            yield claim, Outcome.defer(None)
            continue
        try:
            outcome = send(claim)
        except Exception as exc:
            outcome = crashed(claim, exc)
        yield claim, outcome
