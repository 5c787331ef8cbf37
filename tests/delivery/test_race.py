"""Relays racing over one PostgreSQL outbox: every row is sent once, by exactly one of them."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from core.db.session import Database, create_db_engine
from core.delivery.claims import claim_due
from core.settings import Settings
from tests.delivery.conftest import Outbox, delivery_settings, running_relay
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi


def own_database(postgres_url: str, like: Database) -> Database:
    """The same database through an engine of its own: separate connections, real clock."""
    return Database(create_db_engine(postgres_url), like.config)


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in as many threads, all released at the same moment."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        start.wait()
        return work(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_claims_racing_on_separate_connections_never_share_a_row(
    postgres_url: str, live_outbox: Outbox
) -> None:
    ids = live_outbox.queue_many([("email", f"m{n}@example.com") for n in range(1000)])
    databases = [own_database(postgres_url, live_outbox.db) for _ in range(2)]

    def claim_all(index: int) -> list[int]:
        claimed: list[int] = []
        while True:
            with databases[index].unit_of_work() as uow:
                batch = claim_due(uow, channels={"email"}, limit=7, lease=timedelta(minutes=5))
            if not batch:
                return claimed
            claimed.extend(claim.id for claim in batch)

    try:
        first, second = in_threads(2, claim_all)
    finally:
        for database in databases:
            database.dispose()
    assert first
    assert second
    assert sorted(first + second) == sorted(ids)


def relay_until(settings: Settings, database: Database, done: threading.Event) -> dict[str, int]:
    """Run a relay on an event loop of its own until `done`; what it settled."""

    async def run() -> dict[str, int]:
        async with running_relay(settings, database, batch_size=20) as relay:
            await asyncio.to_thread(done.wait, 60)
        return relay.counts()

    try:
        return asyncio.run(run())
    finally:
        database.dispose()


def test_two_relays_racing_over_a_thousand_rows_send_each_exactly_once(
    postgres_url: str,
    bot_api: FakeBotApi,
    smtp_server: SmtpSink,
    twilio_api: FakeTwilioApi,
    live_outbox: Outbox,
) -> None:
    chats = [str(5000 + n) for n in range(200)]
    emails = [f"member{n}@example.com" for n in range(400)]
    numbers = [f"+1415555{n:04}" for n in range(400)]
    live_outbox.queue_many(
        [("telegram", c) for c in chats]
        + [("email", e) for e in emails]
        + [("whatsapp", n) for n in numbers]
    )
    settings = delivery_settings(bot_api, smtp=smtp_server, twilio=twilio_api)
    done = threading.Event()

    def relay(_index: int) -> dict[str, int]:
        return relay_until(settings, own_database(postgres_url, live_outbox.db), done)

    with ThreadPoolExecutor(2) as pool:
        relays = [pool.submit(relay, index) for index in range(2)]
        try:
            smtp_server.wait_for_messages(len(emails), timeout=60)
            twilio_api.wait_for_messages(len(numbers), timeout=60)
            for chat in chats:
                bot_api.wait_for_message(int(chat), timeout=60)
        finally:
            done.set()
        counts = [future.result() for future in relays]

    assert all(count.get("sent", 0) > 0 for count in counts), counts
    assert sum(count.get("sent", 0) for count in counts) == 1000
    assert {row.status for row in live_outbox.rows()} == {"sent"}
    telegram = Counter(message.plain_text for message in bot_api.all_messages())
    email = Counter(str(message.message["Message-ID"]) for message in smtp_server.messages)
    whatsapp = Counter(message["Body"] for message in twilio_api.messages)
    assert (len(telegram), len(email), len(whatsapp)) == (200, 400, 400)
    assert {*telegram.values(), *email.values(), *whatsapp.values()} == {1}
