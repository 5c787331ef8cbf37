"""The one channel shape: what each channel declares, and how a lane drives any channel."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.delivery.channels import CHANNELS
from bot.delivery.lanes import Lane, LaneContext
from core.db.session import Database
from core.delivery.channel import ChannelTraits, DeliveryChannel, KeepGoing, Settled, one_by_one
from core.delivery.config import DeliveryConfig
from core.delivery.relay import RelayStore, channel_report
from core.delivery.types import Claim, Outcome, RetryPolicy
from core.vocabulary import Channel
from tests.conftest import Clock
from tests.delivery.conftest import FAST, Outbox

CONFIG = DeliveryConfig(
    retry=RetryPolicy(base=timedelta(seconds=10), max_attempts=5, jitter=lambda: 1.0)
)


def test_every_channel_of_the_outbox_has_exactly_one_class() -> None:
    assert sorted(kind.traits.name for kind in CHANNELS) == sorted(Channel)


def test_the_start_report_names_the_channels_on_and_how_to_turn_on_the_others() -> None:
    lines = channel_report({"telegram", "room", "webhook"}, [kind.traits for kind in CHANNELS])
    assert lines == [
        "Delivery channels on: room, telegram, webhook",
        "Delivery channel email is off: set SMTP_HOST (and SMTP_USERNAME, SMTP_PASSWORD, "
        "SMTP_FROM) to turn it on",
        "Delivery channel whatsapp is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_WHATSAPP_FROM to turn it on",
    ]
    assert channel_report(set(Channel), [kind.traits for kind in CHANNELS]) == [
        "Delivery channels on: email, room, telegram, webhook, whatsapp"
    ]
    waiting = channel_report(
        {"telegram", "email", "webhook"}, [kind.traits for kind in CHANNELS], {"whatsapp": 3}
    )
    assert waiting[-1] == (
        "3 queued notifications wait for channel whatsapp: they go out once it is configured"
    )


def outage(outbox: Outbox, clock: Clock, channel: str, hastening: set[str]) -> tuple[object, int]:
    """Two rows fail, then a third gets through: what settling it returned, and how many of
    the other two are due now."""
    store = RelayStore(outbox.db, CONFIG, hastening=hastening)
    outbox.queue_many([(channel, "1"), (channel, "2")])
    for claim in store.claim(channel, 10):
        assert store.settle(claim, Outcome.retry("down")) == clock.now + timedelta(seconds=10)
    outbox.queue(channel, "3")
    (working,) = store.claim(channel, 10)
    due = store.settle(working, Outcome.sent())
    return due, len(store.claim(channel, 10))


def test_a_success_after_failures_makes_a_hastening_channels_backlog_due_now(
    outbox: Outbox, clock: Clock
) -> None:
    assert outage(outbox, clock, "email", hastening={"email"}) == (clock.now, 2)


def test_a_channel_that_does_not_hasten_leaves_its_backlog_to_its_backoff(
    outbox: Outbox, clock: Clock
) -> None:
    assert outage(outbox, clock, "telegram", hastening={"email"}) == (None, 0)


def test_one_by_one_defers_what_keep_going_refuses_without_trying_it(outbox: Outbox) -> None:
    outbox.queue_many([("whatsapp", "+14155550001"), ("whatsapp", "+14155550002")])
    first, second = RelayStore(outbox.db, CONFIG).claim("whatsapp", 10)
    tried: list[int] = []

    def send(claim: Claim) -> Outcome:
        tried.append(claim.id)
        return Outcome.sent()

    settled = list(one_by_one([first, second], lambda claim: claim is first, send))
    assert settled == [(first, Outcome.sent()), (second, Outcome.defer(None))]
    assert tried == [first.id]


class Batches:
    """A blocking channel that accepts every message once `go` is set, and keeps the batches
    it was handed."""

    traits = ChannelTraits(Channel.WHATSAPP)
    batches_at_once = 1

    def __init__(self) -> None:
        self.go = threading.Event()
        self.started = threading.Event()
        self.batches: list[list[int]] = []

    def send_batch(
        self, claims: Sequence[Claim], keep_going: KeepGoing
    ) -> Generator[Settled, None, None]:
        self.batches.append([claim.id for claim in claims])
        self.started.set()
        self.go.wait(10)
        yield from one_by_one(claims, keep_going, lambda _claim: Outcome.sent())


class Paced:
    """A channel on the event loop that takes a while per message; it keeps the recipients of
    each batch, and the most rows of each recipient it had in hand at once."""

    traits = ChannelTraits(Channel.TELEGRAM, per_recipient=2)
    batches_at_once = 1

    def __init__(self) -> None:
        self.holding: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.batches: list[list[str]] = []

    async def send_batch(
        self,
        claims: Sequence[Claim],
        keep_going: KeepGoing,  # noqa: ARG002 - the protocol's; this fake sends everything
    ) -> AsyncGenerator[Settled, None]:
        self.batches.append([claim.recipient for claim in claims])
        self.holding.update(claim.recipient for claim in claims)
        self.most |= self.holding  # the larger count of each
        for claim in claims:
            await asyncio.sleep(0.05)
            self.holding[claim.recipient] -= 1
            yield claim, Outcome.sent()


@asynccontextmanager
async def lane_of(
    channel: DeliveryChannel, database: Database, config: DeliveryConfig
) -> AsyncIterator[tuple[Lane, RelayStore]]:
    """One lane driving the channel until the block ends, and its store."""
    store = RelayStore(database, config)
    stopping, halt = asyncio.Event(), threading.Event()
    with ThreadPoolExecutor(2) as executor:
        lane = Lane(channel, LaneContext(store, config, executor, stopping, halt))
        running = asyncio.create_task(lane.run())
        try:
            yield lane, store
        finally:
            stopping.set()
            halt.set()
            lane.woken.set()
            await running


async def settled(store: RelayStore, count: int) -> None:
    """Until the store settled `count` rows as sent: a bounded poll, as a bare store has no
    event to await."""
    async with asyncio.timeout(10):
        while store.counts().get("sent", 0) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_blocking_channel_is_handed_whole_batches_one_at_a_time(
    live_db: Database, live_outbox: Outbox
) -> None:
    first = live_outbox.queue_many([("whatsapp", f"+1415555{n:04}") for n in range(2)])
    channel = Batches()
    async with lane_of(channel, live_db, dataclasses.replace(FAST, batch_size=3)) as (lane, store):
        assert await asyncio.to_thread(channel.started.wait, 10)
        later = live_outbox.queue("whatsapp", "+14155559999")
        lane.woken.set()
        await asyncio.sleep(0.2)
        # There is room for one more row, but not while a batch is sending.
        assert len(channel.batches) == 1
        channel.go.set()
        await settled(store, 3)
    assert channel.batches == [first, [later]]


async def test_a_channel_with_a_per_recipient_cap_never_lets_one_recipient_hold_up_another(
    live_db: Database, live_outbox: Outbox
) -> None:
    live_outbox.queue_many([("telegram", "1")] * 6)
    live_outbox.queue("telegram", "2")  # queued last, behind six for the first chat
    channel = Paced()
    async with lane_of(channel, live_db, FAST) as (_, store):
        await settled(store, 7)
    assert channel.most == Counter({"1": 2, "2": 1})
    assert channel.batches[0] == ["1", "2"]


class Breaking:
    """A blocking channel whose whole batch breaks (raises) when it reaches one recipient."""

    traits = ChannelTraits(Channel.WHATSAPP)
    batches_at_once = 1

    def __init__(self, breaking: str) -> None:
        self.breaking = breaking
        self.sent: list[str] = []

    def send_batch(
        self,
        claims: Sequence[Claim],
        keep_going: KeepGoing,  # noqa: ARG002 - the protocol's; this fake sends everything
    ) -> Generator[Settled, None, None]:
        for claim in claims:
            if claim.recipient == self.breaking:
                raise RuntimeError("the batch broke")
            self.sent.append(claim.recipient)
            yield claim, Outcome.sent()


async def test_a_batch_that_breaks_charges_its_row_an_attempt_and_the_rows_behind_it_still_go(
    live_db: Database, live_outbox: Outbox
) -> None:
    numbers = [f"+1415555{n:04}" for n in range(4)]
    rows = live_outbox.queue_many([("whatsapp", number) for number in numbers])
    channel = Breaking(numbers[1])
    async with lane_of(channel, live_db, FAST) as (_, store):
        async with asyncio.timeout(10):
            while (store.counts().get("sent"), store.counts().get("dead")) != (3, 1):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    last = FAST.retry.max_attempts
    broken = live_outbox.row(rows[1])
    assert (broken.status, broken.attempts, broken.last_error) == (
        "dead",
        last,
        f"gave up after {last} attempts: unexpected error: RuntimeError: the batch broke",
    )
    assert channel.sent == [numbers[0], numbers[2], numbers[3]]
    assert [live_outbox.row(i).attempts for i in (rows[0], rows[2], rows[3])] == [1, 1, 1]
