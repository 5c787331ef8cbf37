"""The delivery relay: a lane (an asyncio worker) per channel that is on, claiming and sending
outbox rows. It knows channels only through their traits (core/delivery/channel.py).

Database, SMTP and Twilio work runs in the relay's own threads; PTB objects stay on the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import Bot

from bot.delivery.channels import CHANNELS
from bot.delivery.lanes import Lane, LaneContext, in_threads
from bot.delivery.setup import BotSetup
from core.alerts.card_state import card_state, room_target
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.delivery.relay import RelayStore, channel_report
from core.results import CardState, RoomTarget
from core.settings import Settings
from core.vocabulary import Channel

log = logging.getLogger("stockbot.delivery")
T = TypeVar("T")


def relay_threads(settings: Settings) -> int:
    """The relay's own threads: four for claims, settling and the blocking channels, and one
    more for each extra batch that email sends at once (SMTP_CONNECTIONS)."""
    sending_at_once = (
        settings.smtp_connections if Channel.EMAIL in settings.delivery_channels else 1
    )
    return 4 + sending_at_once - 1


def _limits(
    opened: list[Any], settings: Settings
) -> tuple[list[str], dict[str, int], dict[str, int]]:
    """What the relay store must know of the open channels, from their traits: those that
    hasten after an outage, those under the hourly limit, and those with a minute's budget."""
    traits = [channel.traits for channel in opened]
    hastening = [trait.name for trait in traits if trait.hastens_after_outage]
    caps = {trait.name: settings.notify_max_per_hour for trait in traits if trait.hourly_cap}
    budgets = {trait.name: trait.per_minute for trait in traits if trait.per_minute is not None}
    return hastening, caps, budgets


class Delivery:
    """Sends queued notifications over every channel that is on, until stopped."""

    def __init__(
        self, settings: Settings, database: Database, bot: Bot, config: DeliveryConfig
    ) -> None:
        self.config = config
        self.channels = settings.delivery_channels
        self._database = database
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        self._halt = threading.Event()  # the same signal, for the sending threads
        self._changed = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        setup = BotSetup(
            settings,
            config,
            bot=bot,
            stopping=self._stopping,
            move_chat=self._move_chat,
            card_of=self._card_of,
            room_of=self._room_of,
        )
        opened = [kind.open(setup) for kind in CHANNELS if kind.traits.name in self.channels]
        hastening, caps, budgets = _limits(opened, settings)
        self.store = RelayStore(
            database,
            config,
            hastening=hastening,
            hourly_caps=caps,
            minute_budgets=budgets,
            on_settled=self._settled,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=relay_threads(settings), thread_name_prefix="stockbot-delivery"
        )
        context = LaneContext(self.store, config, self._executor, self._stopping, self._halt)
        self._lanes = [Lane(channel, context) for channel in opened]

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Say which channels are on (and what waits for the others), start the workers.

        Only the channels that are on get a worker, and a worker claims only its own
        channel's rows: those of a channel that is off stay pending until it is on again."""
        self._loop = asyncio.get_running_loop()
        try:
            waiting = await self._run(self.store.waiting, self.channels)
        except Exception as exc:  # only the report needs it; the workers retry the database
            log.warning("cannot count waiting notifications: %s", type(exc).__name__)
            waiting = {}
        for line in channel_report(self.channels, [kind.traits for kind in CHANNELS], waiting):
            log.info("%s", line)
        self._workers = [
            asyncio.create_task(lane.run(), name=f"delivery-{lane.traits.name}")
            for lane in self._lanes
        ]

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
        timeout: float = 10.0,  # noqa: ASYNC109 - says how many settled when it runs out
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

    # -- wake-ups ------------------------------------------------------------------------------

    def _settled(self) -> None:
        """Called from the relay's threads after each settled row."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._changed.set)

    def _wake_all(self) -> None:
        for lane in self._lanes:
            lane.woken.set()

    async def _move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self._run(self.store.move_chat, old_chat_id, new_chat_id)

    async def _card_of(self, alert_id: int) -> CardState | None:
        return await self._run(self._read, card_state, alert_id)

    async def _room_of(self, shop_id: int) -> RoomTarget | None:
        return await self._run(self._read, room_target, shop_id)

    def _read(self, read: Callable[..., T], *args: Any) -> T:
        with self._database.unit_of_work() as uow:
            return read(uow, *args)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await in_threads(self._executor, function, *args)
