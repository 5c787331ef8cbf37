"""One channel's worker on the event loop: it claims the channel's rows as its traits say,
hands each batch to the channel and records each outcome as soon as the channel reports it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Collection, Generator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from core.delivery.channel import DeliveryChannel, Settled, crashed
from core.delivery.config import DeliveryConfig
from core.delivery.relay import RelayStore
from core.delivery.types import Claim, Outcome

log = logging.getLogger("stockbot.delivery")
T = TypeVar("T")


async def in_threads(executor: Executor, function: Callable[..., T], *args: Any) -> T:
    """Run a blocking call (database, SMTP, Twilio) in the relay's own threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(function, *args))


@dataclass(frozen=True)
class LaneContext:
    """What the lanes of one relay share."""

    store: RelayStore
    config: DeliveryConfig
    executor: Executor
    stopping: asyncio.Event
    # The same signal as `stopping`, for the sending threads.
    halt: threading.Event

    def keep_going(self, claim: Claim) -> bool:
        """Whether to send a claim now: the relay is not stopping and enough lease is left."""
        return not self.halt.is_set() and self.store.lease_ok(claim)


class Lane:
    """Delivers one channel's rows until the relay stops: up to `batch_size` rows in flight."""

    def __init__(self, channel: DeliveryChannel, context: LaneContext) -> None:
        self.channel = channel
        self.traits = channel.traits
        self.woken = asyncio.Event()
        self._context = context
        self._in_flight: Counter[str] = Counter()  # rows claimed and not settled, by recipient
        self._batches: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self) -> None:
        """Claim and hand over batches until the relay stops, then wait for those in flight."""
        self._loop = asyncio.get_running_loop()
        try:
            while not self._context.stopping.is_set():
                self.woken.clear()
                claims = await self._claim()
                if claims:
                    self._start(claims)
                else:
                    await self._idle()
        finally:
            await _drain(self._batches)

    def wake_at(self, when: datetime | None) -> None:
        """From any thread: wake this lane when a rescheduled row becomes due."""
        loop = self._loop
        if when is None or loop is None or loop.is_closed():
            return
        delay = max((when - self._context.store.database.clock()).total_seconds(), 0.0)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(loop.call_later, delay, self.woken.set)

    # -- claiming ------------------------------------------------------------------------------

    def _room(self) -> int:
        batch_size = self._context.config.batch_size
        if self.traits.per_recipient is None:
            # Whole batches: the next one is claimed while the others are being sent.
            return batch_size if len(self._batches) < self.channel.batches_at_once else 0
        return batch_size - self._in_flight.total()

    def _busy(self) -> Collection[str] | None:
        most = self.traits.per_recipient
        if most is None:
            return None
        return {recipient for recipient, rows in self._in_flight.items() if rows >= most}

    async def _claim(self) -> list[Claim]:
        room = self._room()
        if room <= 0:
            return []
        claim = functools.partial(self._context.store.claim, busy=self._busy())
        try:
            return await self._run(claim, self.traits.name, room)
        except Exception as exc:
            # The database may be briefly away; try again at the next poll, without spinning.
            log.warning("cannot claim %s notifications: %s", self.traits.name, type(exc).__name__)
            return []

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.woken.wait(), self._context.config.poll_interval)

    # -- sending -------------------------------------------------------------------------------

    def _start(self, claims: Sequence[Claim]) -> None:
        self._in_flight.update(claim.recipient for claim in claims)
        task = asyncio.create_task(self._deliver(claims))
        self._batches.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._batches.discard(task)
        self.woken.set()

    async def _deliver(self, claims: Sequence[Claim]) -> None:
        unsettled = {claim.id: claim for claim in claims}
        reported: set[int] = set()  # claims the channel yielded an outcome for
        try:
            outcomes = self.channel.send_batch(claims, self._context.keep_going)
            if isinstance(outcomes, AsyncGenerator):
                await self._settle_on_loop(outcomes, unsettled, reported)
            else:
                await self._run(self._settle_in_thread, outcomes, reported)
        except Exception as exc:
            await self._settle_crash(exc, [c for c in claims if c.id not in reported])
        finally:
            for claim in unsettled.values():
                self._discount(claim)

    async def _settle_on_loop(
        self,
        outcomes: AsyncGenerator[Settled, None],
        unsettled: dict[int, Claim],
        reported: set[int],
    ) -> None:
        """A channel on the event loop: each outcome is recorded in the relay's threads while
        the channel goes on sending the others."""
        async with contextlib.aclosing(outcomes):
            async for claim, outcome in outcomes:
                reported.add(claim.id)
                try:
                    self.wake_at(await self._run(self._context.store.settle, claim, outcome))
                except Exception:
                    # The row stays leased and is retried when the lease ends: late, never lost.
                    log.exception("notification %d: could not record the outcome", claim.id)
                if unsettled.pop(claim.id, None) is not None:
                    self._discount(claim)

    def _settle_in_thread(
        self, outcomes: Generator[Settled, None, None], reported: set[int]
    ) -> None:
        """A blocking channel: sending and recording take turns in one of the relay's threads;
        an outcome that cannot be recorded ends the batch (its rows wait out their lease). A
        channel that `settles_by_batch` has its outcomes recorded together at the end, also
        when it breaks off."""
        pending: list[Settled] = []
        try:
            with contextlib.closing(outcomes):
                for claim, outcome in outcomes:
                    reported.add(claim.id)
                    pending.append((claim, outcome))
                    if not self.traits.settles_by_batch and not self._record(pending):
                        return
        finally:
            self._record(pending)

    def _record(self, pending: list[Settled]) -> bool:
        """Record and forget the pending outcomes; False if they could not be recorded."""
        if not pending:
            return True
        settled, pending[:] = list(pending), []
        try:
            dues = self._context.store.settle_batch(settled)
        except Exception:
            if len(settled) == 1:
                log.exception("notification %d: could not record the outcome", settled[0][0].id)
            else:
                ids = ", ".join(str(claim.id) for claim, _ in settled)
                log.exception("notifications %s: could not record the outcomes", ids)
            return False
        for due in dues:
            self.wake_at(due)
        return True

    async def _settle_crash(self, exc: Exception, unreported: Sequence[Claim]) -> None:
        """The channel raised instead of reporting. The claim it was on (the first unreported
        one: a blocking channel reports in the order it sends) counts an attempt and backs
        off, so it never stays in front of the others; the others are due again at once,
        their attempt not counted. Channels settle a crashing send themselves (`crashed`);
        this is for a batch that breaks all the same."""
        for index, claim in enumerate(unreported):
            outcome = crashed(claim, exc) if index == 0 else Outcome.defer(None)
            try:
                self.wake_at(await self._run(self._context.store.settle, claim, outcome))
            except Exception:
                log.exception("notification %d: could not record the outcome", claim.id)
                return

    def _discount(self, claim: Claim) -> None:
        self._in_flight[claim.recipient] -= 1
        if self._in_flight[claim.recipient] <= 0:
            del self._in_flight[claim.recipient]
        self.woken.set()

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await in_threads(self._context.executor, function, *args)


async def _drain(tasks: set[asyncio.Task[None]]) -> None:
    """Wait for batches in flight; if the wait itself is cancelled, cancel them too."""
    if not tasks:
        return
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        for task in list(tasks):
            task.cancel()
        raise
