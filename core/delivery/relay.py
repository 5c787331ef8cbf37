"""The blocking half of the delivery relay: claims, settling outcomes, logs and counts.

Every method here runs in a worker thread (never on the bot's event loop) and opens its own
unit of work, so the relay can call it from any thread."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from core.db.session import Database
from core.delivery.channel import ChannelTraits
from core.delivery.claims import claim_due, hasten
from core.delivery.config import DeliveryConfig
from core.delivery.dead_letters import waiting_for_channels
from core.delivery.masking import mask_recipient
from core.delivery.outcomes import Recorded, record_outcomes, release
from core.delivery.types import Claim, Outcome
from core.delivery.webhook_endpoints import with_targets
from core.shops.chats import move_chat
from core.vocabulary import Channel

log = logging.getLogger("stockbot.delivery")

OnSettled = Callable[[], None]
# Channels whose recipients get their rows strictly in order: a webhook endpoint sees
# "alert.opened" before that alert's "alert.resolved", even across an outage.
IN_ORDER_CHANNELS = frozenset({Channel.WEBHOOK.value})


class RelayStore:
    """Claims rows for one relay and settles them, logging each outcome with masked recipients."""

    def __init__(
        self,
        database: Database,
        config: DeliveryConfig,
        *,
        hastening: Collection[str] = (),
        hourly_caps: Mapping[str, int] | None = None,
        minute_budgets: Mapping[str, int] | None = None,
        on_settled: OnSettled = lambda: None,
    ) -> None:
        self.database = database
        self.lease = config.lease
        self.policy = config.retry
        # A claim is sent only while this much of its lease is left, so a slow batch never
        # sends a row that another relay may already have taken over.
        self.margin = min(timedelta(seconds=30), config.lease / 4)
        # Channels whose backlog is due at once when a message gets through after failures.
        self._hastening = frozenset(hastening)
        # Channels whose messages to one address are limited, and to how many an hour.
        self._caps = dict(hourly_caps or {})
        # Channels whose messages to one recipient are limited, and to how many a minute.
        self._budgets = dict(minute_budgets or {})
        self._on_settled = on_settled
        self._lock = threading.Lock()
        self._unsettled: dict[int, Claim] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._failing: set[str] = set()

    def claim(
        self, channel: str, limit: int, *, busy: Collection[str] | None = None
    ) -> list[Claim]:
        """Lease up to `limit` due rows of one channel; with `busy` given, one row per
        recipient and none for the busy ones (Telegram's pace is per chat)."""
        with self.database.unit_of_work() as uow:
            claims = claim_due(
                uow,
                channels=[channel],
                limit=limit,
                lease=self.lease,
                one_per_recipient=busy is not None,
                skip_recipients=busy or (),
                max_attempts=self.policy.max_attempts,
                hourly_cap=self._caps.get(channel),
                room_budget=self._budgets.get(channel),
                in_order=channel in IN_ORDER_CHANNELS,
            )
            claims = with_targets(uow, claims)
        with self._lock:
            self._unsettled.update((claim.id, claim) for claim in claims)
        return claims

    def lease_ok(self, claim: Claim) -> bool:
        """Whether enough of the claim's lease is left to start sending it."""
        return self.database.clock() < claim.leased_until - self.margin

    def settle(self, claim: Claim, outcome: Outcome) -> datetime | None:
        """Record what happened to a claimed row, and log it. Returns when the channel has
        rows due because of it (the row's next attempt, or now when an outage just ended)."""
        return self.settle_batch([(claim, outcome)])[0]

    def settle_batch(self, settled: Sequence[tuple[Claim, Outcome]]) -> list[datetime | None]:
        """`settle` for several rows in one transaction: fewer commits, and a crash before it
        leaves them all to be sent again once their lease ends (docs/delivery.md)."""
        with self.database.unit_of_work() as uow:
            recorded = record_outcomes(uow, settled, self.policy)
        with self._lock:
            for (claim, _), result in zip(settled, recorded, strict=True):
                self._unsettled.pop(claim.id, None)
                if result is not None:
                    self._counts[claim.channel, result[0]] += 1
        dues = [
            self._after(claim, outcome, result)
            for (claim, outcome), result in zip(settled, recorded, strict=True)
        ]
        self._on_settled()
        return dues

    def _after(self, claim: Claim, outcome: Outcome, result: Recorded) -> datetime | None:
        """Log a settled row; when the channel has rows due because of it."""
        if result is None:
            log.warning("notification %d: lease lost, another relay settles it", claim.id)
            return None
        status, due = result
        _log_outcome(claim, outcome, status, due)
        if self._outage_ended(claim.channel, status, outcome):
            return self.database.clock()
        return due

    def _outage_ended(self, channel: str, status: str, outcome: Outcome) -> bool:
        """Track failures of a hastening channel; after a success, make its backlog due."""
        if channel not in self._hastening:
            return False
        if outcome.verdict == "retry":
            self._failing.add(channel)
            return False
        if status != "sent" or channel not in self._failing:
            return False
        self._failing.discard(channel)
        with self.database.unit_of_work() as uow:
            hastened = hasten(uow, channel=channel)
        if hastened:
            log.info("%s works again: %d waiting notifications are due now", channel, hastened)
        return hastened > 0

    def release_unsettled(self) -> int:
        """Give back every row still claimed by this relay (at shutdown)."""
        with self._lock:
            claims = list(self._unsettled.values())
            self._unsettled.clear()
        if not claims:
            return 0
        with self.database.unit_of_work() as uow:
            return release(uow, claims)

    def waiting(self, channels_on: Collection[str]) -> dict[str, int]:
        """Pending rows of the channels that are off, by channel: they wait for it, untouched."""
        with self.database.unit_of_work() as uow:
            return waiting_for_channels(uow, channels_on=channels_on)

    def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """Follow a Telegram chat that migrated to a new id."""
        with self.database.unit_of_work() as uow:
            moved = move_chat(uow, old_chat_id=old_chat_id, new_chat_id=new_chat_id)
        log.info("chat %d migrated to %d: %d members moved", old_chat_id, new_chat_id, moved)

    def counts(self, channel: str | None = None) -> dict[str, int]:
        """Rows this relay settled so far (on one channel, or all), by the status it left
        them in: sent, pending (to be retried) or dead."""
        totals: Counter[str] = Counter()
        with self._lock:
            for (row_channel, status), number in self._counts.items():
                if channel in (None, row_channel):
                    totals[status] += number
        return dict(totals)


def channel_report(
    channels_on: Collection[str],
    every: Iterable[ChannelTraits],
    waiting: Mapping[str, int] | None = None,
) -> list[str]:
    """What the relay says at start: the channels that are on, how to turn on the others, and
    how many notifications wait for each of those."""
    lines = [f"Delivery channels on: {', '.join(sorted(channels_on))}"]
    for traits in every:
        if traits.name in channels_on:
            continue
        lines.append(
            f"Delivery channel {traits.name} is off: {traits.off_hint or 'not configured'}"
        )
        queued = (waiting or {}).get(traits.name, 0)
        if queued:
            lines.append(
                f"{queued} queued notifications wait for channel {traits.name}: "
                "they go out once it is configured"
            )
    return lines


def _log_outcome(claim: Claim, outcome: Outcome, status: str, next_at: datetime | None) -> None:
    masked = mask_recipient(claim.channel, claim.recipient)
    where = f"{claim.kind} via {claim.channel} to {masked}"
    reason = outcome.reason or ""
    if claim.recipient not in masked:
        # Servers quote the address they refused; logs show it masked like everywhere else
        # (a recipient its mask shows as it is, a Telegram chat id, stays as it is).
        reason = reason.replace(claim.recipient, masked)
    prefix = f"notification {claim.id} ({where}, attempt {claim.attempts})"
    if status == "sent":
        log.info("%s: sent", prefix)
    elif status == "dead":
        log.warning("%s: dead: %s", prefix, reason)
    elif outcome.verdict == "retry":
        log.warning("%s: failed, retry at %s: %s", prefix, _clock(next_at), reason)
    elif reason:
        log.info("%s: not sent yet, retry at %s: %s", prefix, _clock(next_at), reason)
    else:
        log.debug("%s: released", prefix)


def _clock(moment: datetime | None) -> str:
    return "now" if moment is None else moment.strftime("%H:%M:%S UTC")
