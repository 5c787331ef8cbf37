"""Webhook deliveries through the relay to a local receiver that verifies each signature
with the Standard Webhooks reference library (SPEC 7)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from core.db.models import Member, Notification, WebhookEndpoint
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.delivery.relay import RelayStore
from core.delivery.webhook import WebhookSender
from core.shops.views import CreatedWebhook
from core.shops.webhooks import EVENTS, create_webhook
from core.stock import changes
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop
from tests.delivery.conftest import ADMIN, FAST, delivery_settings, running_relay
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.webhook_receiver import WebhookReceiver

PATH = "/hooks/stock"


def subscribe(db: Database, receiver: WebhookReceiver) -> tuple[ShopFixture, CreatedWebhook]:
    """A shop with one endpoint on the receiver, subscribed to every event."""
    shop = build_shop(db, admin=ADMIN)
    with db.unit_of_work() as uow:
        shop_id = uow.session.scalars(select(Member.shop_id)).one()
        created = create_webhook(uow, shop_id=shop_id, url=receiver.url(PATH), events=EVENTS)
    receiver.expect(PATH, created.secret)
    return shop, created


def webhook_rows(db: Database) -> list[Notification]:
    with db.unit_of_work() as uow:
        query = select(Notification).where(Notification.channel == "webhook")
        rows = list(uow.session.scalars(query.order_by(Notification.id)))
        uow.session.expunge_all()
        return rows


def endpoint(db: Database, endpoint_id: int) -> WebhookEndpoint:
    with db.unit_of_work() as uow:
        row = uow.session.get_one(WebhookEndpoint, endpoint_id)
        uow.session.expunge(row)
        return row


async def test_events_arrive_signed_with_the_exact_bytes_and_headers_of_standard_webhooks(
    bot_api: FakeBotApi,
    webhook_receiver: WebhookReceiver,
    live_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    shop, created = subscribe(live_db, webhook_receiver)
    shop.add_item("Tea", 3, threshold=5)
    async with running_relay(delivery_settings(bot_api), live_db):
        first, second = await webhook_receiver.await_accepted(2)
    rows = webhook_rows(live_db)
    assert [delivery.id for delivery in (first, second)] == [row.idempotency_key for row in rows]
    assert [delivery.event for delivery in (first, second)] == [row.payload for row in rows]
    assert first.headers["content-type"] == "application/json"
    assert "Stockbot" in first.headers["user-agent"]
    assert first.headers["webhook-signature"].startswith("v1,")
    assert webhook_receiver.refused == []
    key = created.secret.removeprefix("whsec_")
    assert created.secret not in caplog.text
    assert key not in caplog.text
    assert f"via webhook to webhook {created.webhook.id}" in caplog.text


async def test_an_outage_then_recovery_delivers_each_event_once_in_order(
    bot_api: FakeBotApi, webhook_receiver: WebhookReceiver, live_db: Database
) -> None:
    shop, created = subscribe(live_db, webhook_receiver)
    webhook_receiver.answer_with(500)
    shop.add_item("Tea", 3, threshold=5)
    shop.run(changes.add_stock, telegram_user_id=ADMIN, name="Tea", amount=1)
    shop.run(changes.add_stock, telegram_user_id=ADMIN, name="Tea", amount=10)
    async with running_relay(delivery_settings(bot_api), live_db) as relay:
        await webhook_receiver.await_requests(3)
        assert endpoint(live_db, created.webhook.id).failing_since is not None
        webhook_receiver.answer_with(None)
        await relay.wait_settled(6, status="sent", channel="webhook")
    rows = webhook_rows(live_db)
    delivered = [delivery.id for delivery in webhook_receiver.accepted]
    assert delivered == [row.idempotency_key for row in rows]
    assert [row.payload["type"] for row in rows] == [
        "stock.changed",
        "alert.opened",
        "stock.changed",
        "alert.updated",
        "stock.changed",
        "alert.resolved",
    ]
    assert rows[0].attempts >= 3
    assert {row.status for row in rows} == {"sent"}
    healed = endpoint(live_db, created.webhook.id)
    assert (healed.failing_since, healed.last_error, healed.disabled_at) == (None, None, None)


async def test_410_gone_disables_the_endpoint_and_tells_the_admins_in_telegram(
    bot_api: FakeBotApi, webhook_receiver: WebhookReceiver, live_db: Database
) -> None:
    shop, created = subscribe(live_db, webhook_receiver)
    webhook_receiver.answer_with(410)
    shop.add_item("Tea", 3, threshold=5)
    async with running_relay(delivery_settings(bot_api), live_db):
        told = await bot_api.await_message(ADMIN, contains="switched off")
    assert receiver_url(webhook_receiver) in str(told.text)
    first, second = webhook_rows(live_db)
    assert (first.status, first.attempts, second.status) == ("dead", 1, "cancelled")
    assert first.last_error == "the endpoint answered HTTP 410"
    assert endpoint(live_db, created.webhook.id).disabled_at is not None
    assert webhook_receiver.requests_seen == 1


async def test_a_failing_endpoint_holds_up_only_its_own_events(
    bot_api: FakeBotApi, webhook_receiver: WebhookReceiver, live_db: Database
) -> None:
    shop, _ = subscribe(live_db, webhook_receiver)
    with live_db.unit_of_work() as uow:
        shop_id = uow.session.scalars(select(Member.shop_id)).one()
        working = create_webhook(
            uow, shop_id=shop_id, url=webhook_receiver.url("/ok"), events=EVENTS
        )
    webhook_receiver.expect("/ok", working.secret)
    webhook_receiver.answer_with(500, path=PATH)
    shop.add_item("Tea", 3, threshold=5)
    async with running_relay(delivery_settings(bot_api), live_db):
        arrived = await webhook_receiver.await_accepted(2)
    assert [delivery.path for delivery in arrived] == ["/ok", "/ok"]
    assert [delivery.event["type"] for delivery in arrived] == ["stock.changed", "alert.opened"]


def receiver_url(receiver: WebhookReceiver) -> str:
    return receiver.url(PATH)


def settle_one(store: RelayStore, sender: WebhookSender) -> str:
    (claim,) = store.claim("webhook", 10, busy=set())
    ((sent, outcome),) = sender.send_batch([claim], lambda _: True)
    store.settle(sent, outcome)
    return claim.idempotency_key


def test_three_days_of_failures_disable_the_endpoint_and_queue_the_admins_message(
    db: Database, clock: Clock, webhook_receiver: WebhookReceiver
) -> None:
    shop, created = subscribe(db, webhook_receiver)
    store, sender = RelayStore(db, FAST), WebhookSender(FAST)
    webhook_receiver.answer_with(500)
    shop.add_item("Tea", 3, threshold=5)
    started = clock()
    settle_one(store, sender)
    clock.advance(days=2, hours=23)
    settle_one(store, sender)
    assert endpoint(db, created.webhook.id).failing_since == started
    assert endpoint(db, created.webhook.id).disabled_at is None
    clock.advance(hours=1)
    settle_one(store, sender)
    disabled = endpoint(db, created.webhook.id)
    assert disabled.disabled_at == clock()
    assert [row.status for row in webhook_rows(db)] == ["cancelled", "cancelled"]
    (message,) = shop.notifications(kind="webhook_disabled")
    assert (message.channel, message.recipient) == ("telegram", str(ADMIN))
    assert message.payload["webhook_id"] == created.webhook.id
    assert "failed for 3 days" in message.payload["reason"]
    assert created.secret not in str(message.payload)


def test_a_success_ends_the_run_of_failures(
    db: Database, clock: Clock, webhook_receiver: WebhookReceiver
) -> None:
    shop, created = subscribe(db, webhook_receiver)
    store, sender = RelayStore(db, FAST), WebhookSender(FAST)
    webhook_receiver.answer_with(503)
    shop.add_item("Tea", 3, threshold=5)
    settle_one(store, sender)
    assert endpoint(db, created.webhook.id).last_error == "the endpoint answered HTTP 503"
    webhook_receiver.answer_with(None)
    clock.advance(days=4)
    settle_one(store, sender)
    healed = endpoint(db, created.webhook.id)
    assert (healed.failing_since, healed.disabled_at) == (None, None)


def test_a_receiver_slower_than_the_timeout_is_retried(
    db: Database, webhook_receiver: WebhookReceiver
) -> None:
    shop, _ = subscribe(db, webhook_receiver)
    store = RelayStore(db, FAST)
    sender = WebhookSender(DeliveryConfig(webhook_timeout=0.2))
    webhook_receiver.delay_answers(2.0)
    shop.add_item("Tea", 3, threshold=5)
    key = settle_one(store, sender)
    (row, _) = webhook_rows(db)
    assert (row.idempotency_key, row.status, row.attempts) == (key, "pending", 1)
    assert row.last_error == "the endpoint did not answer in time"
