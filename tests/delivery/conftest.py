"""Delivery test builders: outbox rows queued by hand, settings for the fakes, a running relay."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from telegram.ext import ExtBot

from bot.delivery.limits import build_rate_limiter
from bot.delivery.relay import Delivery
from core.db.models import Member, Notification
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.delivery.types import RetryPolicy
from core.settings import Settings, load_settings
from tests.core.conftest import build_shop
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi

ADMIN = 1000
# Short waits so that retries, backoffs and polls take milliseconds in tests.
FAST = DeliveryConfig(
    poll_interval=0.05,
    lease=timedelta(seconds=60),
    retry=RetryPolicy(
        base=timedelta(milliseconds=50), cap=timedelta(milliseconds=200), max_attempts=5
    ),
    stop_timeout=10.0,
    smtp_timeout=5.0,
    twilio_timeout=5.0,
)
WHATSAPP_FROM = "+14155238886"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns on every RetryAfter unless it may use timedelta, and warnings are errors here.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def age_group_log(database: Database, seconds: float) -> None:
    """Move every group's logged sends `seconds` into the past, as if that time had gone by:
    the shared budget's log keeps the database server's time, which a test cannot move."""
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE telegram_group_sends SET sent_at = sent_at - :late"),
            {"late": timedelta(seconds=seconds)},
        )


def item(number: int, **overrides: Any) -> dict[str, Any]:
    """The payload of one alert about "Item <number>"."""
    payload = {"alert_id": number, "item_name": f"Item {number}", "quantity": 3, "threshold": 5}
    payload.update(overrides)
    return payload


@dataclass
class Outbox:
    """Queue outbox rows directly, as the core would, and read them back."""

    db: Database
    shop_id: int
    member_id: int
    _keys: Iterator[int]

    def queue(
        self,
        channel: str = "telegram",
        recipient: str = str(ADMIN),
        *,
        kind: str = "alert",
        payload: dict[str, Any] | None = None,
        due: datetime | None = None,
    ) -> int:
        """Queue one pending row; returns its id."""
        return self.queue_many([(channel, recipient)], kind=kind, payload=payload, due=due)[0]

    def queue_many(
        self,
        targets: list[tuple[str, str]],
        *,
        kind: str = "alert",
        payload: dict[str, Any] | None = None,
        due: datetime | None = None,
    ) -> list[int]:
        """Queue one row per (channel, recipient), each about its own item unless given."""
        now = self.db.clock()
        rows = []
        for channel, recipient in targets:
            number = next(self._keys)
            rows.append(
                {
                    "shop_id": self.shop_id,
                    "member_id": self.member_id,
                    "alert_id": None,
                    "channel": channel,
                    "recipient": recipient,
                    "kind": kind,
                    "payload": payload or item(number),
                    "idempotency_key": f"test:{number}:{channel}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": due or now,
                    "created_at": now,
                }
            )
        with self.db.unit_of_work() as uow:
            ids = list(uow.session.scalars(insert(Notification).returning(Notification.id), rows))
            uow.commit()
        return ids

    def row(self, notification_id: int) -> Notification:
        """One row as stored now."""
        with self.db.unit_of_work() as uow:
            row = uow.session.get_one(Notification, notification_id)
            uow.session.expunge(row)  # keeps its loaded values after the session rolls back
            return row

    def rows(self, **filters: Any) -> list[Notification]:
        """Rows matching column values, by id."""
        with self.db.unit_of_work() as uow:
            query = select(Notification).filter_by(**filters).order_by(Notification.id)
            rows = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return rows


def make_outbox(db: Database) -> Outbox:
    """A shop whose admin (Telegram user 1000) the rows are addressed to."""
    build_shop(db, admin=ADMIN)
    with db.unit_of_work() as uow:
        member = uow.session.scalars(select(Member).where(Member.telegram_user_id == ADMIN)).one()
        return Outbox(db, member.shop_id, member.id, itertools.count(1))


@pytest.fixture
def outbox(db: Database) -> Outbox:
    """Outbox rows on PostgreSQL and on SQLite, with the test's hand-moved clock."""
    return make_outbox(db)


@pytest.fixture
def pg_outbox(pg_db: Database) -> Outbox:
    """Outbox rows on PostgreSQL, with the test's hand-moved clock."""
    return make_outbox(pg_db)


@pytest.fixture
def live_db(pg_db: Database) -> Database:
    """The test's PostgreSQL database on the real clock, as the running bot sees it."""
    return Database(pg_db.engine, pg_db.config)


@pytest.fixture
def live_outbox(live_db: Database) -> Outbox:
    """Outbox rows on PostgreSQL, due by the real clock."""
    return make_outbox(live_db)


def delivery_settings(
    bot_api: FakeBotApi,
    *,
    smtp: SmtpSink | None = None,
    twilio: FakeTwilioApi | None = None,
    **overrides: Any,
) -> Settings:
    """Settings pointing every channel that is given at its fake; the others are off."""
    values: dict[str, Any] = {
        "_env_file": None,
        "telegram_bot_token": bot_api.token,
        "telegram_api_base_url": bot_api.base_url,
        "smtp_host": None,
        "twilio_account_sid": None,
        "telegram_rate_limit": 1000,
    }
    if smtp is not None:
        values.update(
            smtp_host=smtp.host,
            smtp_port=smtp.port,
            smtp_security=smtp.security,
            smtp_username=smtp.username,
            smtp_password=smtp.password,
            smtp_from="alerts@example.com",
        )
    if twilio is not None:
        values.update(
            twilio_account_sid=twilio.account_sid,
            twilio_auth_token=twilio.auth_token,
            twilio_whatsapp_from=WHATSAPP_FROM,
            twilio_api_base_url=twilio.base_url,
        )
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def running_relay(
    settings: Settings, database: Database, **knobs: Any
) -> AsyncIterator[Delivery]:
    """A started relay with a bot of its own (sharing nothing with other relays); `knobs`
    change fields of the FAST config."""
    assert settings.telegram_bot_token is not None
    bot = ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        rate_limiter=build_rate_limiter(settings, database),
    )
    await bot.initialize()
    delivery = Delivery(settings, database, bot, dataclasses.replace(FAST, **knobs))
    await delivery.start()
    try:
        yield delivery
    finally:
        await delivery.stop()
        await bot.shutdown()
