"""The delivery relay: one asyncio worker per channel that is on, claiming and sending outbox rows.

Database, SMTP and Twilio work runs in the relay's own threads; PTB objects stay on the loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from telegram import Bot

from bot.delivery.telegram import TelegramChannel, push_claims
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.delivery.email import EmailSender
from core.delivery.relay import RelayStore, channel_report, run_batch
from core.delivery.types import Claim, Outcome
from core.delivery.whatsapp import WhatsAppSender
from core.settings import Settings

log = logging.getLogger("stockbot.delivery")
T = TypeVar("T")


class Delivery:
    """Sends queued notifications over every channel that is on, until stopped."""

    def __init__(
        self, settings: Settings, database: Database, bot: Bot, config: DeliveryConfig
    ) -> None:
        self.config = config
        self.channels = settings.enabled_channels
        self.store = RelayStore(database, config, wake_at=self._wake_at, on_settled=self._settled)
        self._telegram = TelegramChannel(bot, move_chat=self._move_chat)
        self._email = EmailSender(settings, config) if settings.email_enabled else None
        self._whatsapp = WhatsAppSender(settings, config) if settings.whatsapp_enabled else None
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stockbot-delivery")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._halt = threading.Event()  # the same signal, for the sending threads
        self._wake = {channel: asyncio.Event() for channel in self.channels}
        self._workers: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Close rows of channels that are off, say which channels are on, start the workers."""
        self._loop = asyncio.get_running_loop()
        closed = await self._run(self.store.close_unconfigured, self.channels)
        for line in channel_report(self.channels):
            log.info("%s", line)
        if closed:
            log.warning("%d queued notifications of channels that are off are now dead", closed)
        workers = {"telegram": self._telegram_worker}
        if self._email is not None:
            workers["email"] = functools.partial(self._batch_worker, "email", self._send_emails)
        if self._whatsapp is not None:
            workers["whatsapp"] = functools.partial(
                self._batch_worker, "whatsapp", self._send_whatsapps
            )
        for channel, worker in workers.items():
            self._workers.append(asyncio.create_task(worker(), name=f"delivery-{channel}"))

    def nudge(self) -> None:
        """Wake every worker now: something was queued. Safe to call from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._wake_all)

    async def stop(self) -> None:
        """Finish what is being sent, give back what is claimed but unsent, stop the workers."""
        if self._halt.is_set():
            return
        self._stopping.set()
        self._halt.set()
        self._wake_all()
        if self._workers:
            _, running = await asyncio.wait(self._workers, timeout=self.config.stop_timeout)
            for task in running:
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            self._workers.clear()
        if self._loop is not None:
            released = await self._run(self.store.release_unsettled)
            if released:
                log.info("released %d claimed notifications for the next start", released)
        self._executor.shutdown(wait=True)

    def counts(self, channel: str | None = None) -> dict[str, int]:
        """Rows this relay settled so far, by the status it left them in (sent, pending, dead)."""
        return self.store.counts(channel)

    async def wait_settled(
        self,
        count: int,
        *,
        status: str | None = None,
        channel: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Wait until this relay has settled `count` rows (of a status, on a channel)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._changed.clear()
            counts = self.counts(channel)
            settled = counts.get(status, 0) if status else sum(counts.values())
            if settled >= count:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{settled} of {count} rows settled: {self.store.counts()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    # -- workers -------------------------------------------------------------------------------

    async def _telegram_worker(self) -> None:
        await push_claims(
            self._telegram,
            claim=functools.partial(self._claim, "telegram"),
            settle=self._settle,
            idle=functools.partial(self._idle, "telegram"),
            woken=self._wake["telegram"],
            capacity=self.config.batch_size,
            stopping=self._stopping,
            lease_ok=self.store.lease_ok,
        )

    async def _settle(self, claim: Claim, outcome: Outcome) -> None:
        try:
            await self._run(self.store.settle, claim, outcome)
        except Exception:
            # The row stays leased and is retried when the lease ends: late, never lost.
            log.exception("notification %d: could not record the outcome", claim.id)

    async def _batch_worker(self, channel: str, send: Callable[[list[Claim]], None]) -> None:
        while not self._stopping.is_set():
            self._wake[channel].clear()
            claims = await self._claim(channel, self.config.batch_size)
            if claims:
                try:
                    await self._run(send, claims)
                except Exception:
                    log.exception(
                        "%s batch failed; its rows are retried after their lease", channel
                    )
            if len(claims) < self.config.batch_size:
                await self._idle(channel)

    def _send_emails(self, claims: list[Claim]) -> None:
        assert self._email is not None
        self._email.send_batch(claims, self.store.settle, keep_going=self._keep_going)

    def _send_whatsapps(self, claims: list[Claim]) -> None:
        assert self._whatsapp is not None
        run_batch(self.store, claims, self._whatsapp.send, self._keep_going)

    def _keep_going(self, claim: Claim) -> bool:
        return not self._halt.is_set() and self.store.lease_ok(claim)

    async def _claim(
        self, channel: str, limit: int, busy: Collection[str] | None = None
    ) -> list[Claim]:
        try:
            return await self._run(functools.partial(self.store.claim, busy=busy), channel, limit)
        except Exception as exc:
            # The database may be briefly away; try again at the next poll, without spinning.
            log.warning("cannot claim %s notifications: %s", channel, type(exc).__name__)
            return []

    async def _idle(self, channel: str) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake[channel].wait(), self.config.poll_interval)

    # -- wake-ups ------------------------------------------------------------------------------

    def _settled(self) -> None:
        """Called from the relay's threads after each settled row."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._changed.set)

    def _wake_all(self) -> None:
        for event in self._wake.values():
            event.set()

    def _wake_at(self, channel: str, when: datetime) -> None:
        """Called from the relay's threads: wake a worker when a rescheduled row becomes due."""
        loop = self._loop
        if loop is None or loop.is_closed() or channel not in self._wake:
            return
        delay = max((when - self.store.database.clock()).total_seconds(), 0.0)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(loop.call_later, delay, self._wake[channel].set)

    async def _move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._run(self.store.move_chat, old_chat_id, new_chat_id)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))
