"""Webhook endpoints of a shop, and the events their changes queue (SPEC 7)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, update

from core.alerts.handling import ack_alert
from core.db.models import Member, WebhookEndpoint
from core.db.session import Database
from core.errors import InsufficientStock, InvalidInput, NotFound
from core.shops.webhooks import EVENTS, create_webhook, delete_webhook, list_webhooks
from core.stock import changes
from tests.core.conftest import ShopFixture, build_shop, snapshot

HOOK = "https://example.com/hook"


def shop_id_of(shop: ShopFixture) -> int:
    with shop.db.unit_of_work() as uow:
        query = select(Member.shop_id).where(Member.telegram_user_id == shop.admin)
        return int(uow.session.scalars(query).one())


def subscribe(shop: ShopFixture, events: tuple[str, ...] = EVENTS, url: str = HOOK) -> int:
    created = shop.run(create_webhook, shop_id=shop_id_of(shop), url=url, events=list(events))
    return int(created.webhook.id)


def events_for(shop: ShopFixture, endpoint_id: int) -> list[str]:
    rows = shop.notifications(channel="webhook", recipient=str(endpoint_id))
    return [row.payload["type"] for row in rows]


def test_a_new_webhook_answers_its_secret_once_and_the_list_never_shows_it(
    shop: ShopFixture,
) -> None:
    shop_id = shop_id_of(shop)
    events = ["stock.changed", "alert.opened", "stock.changed"]
    created = shop.run(create_webhook, shop_id=shop_id, url=HOOK, events=events)
    assert created.secret.startswith("whsec_")
    assert len(base64.b64decode(created.secret.removeprefix("whsec_"))) == 24
    assert created.webhook.events == ("alert.opened", "stock.changed")
    (listed,) = shop.run(list_webhooks, shop_id=shop_id)
    assert listed == created.webhook
    assert created.secret not in repr(listed)
    assert (listed.disabled_at, listed.failing_since) == (None, None)


@pytest.mark.parametrize(
    ("url", "events", "says"),
    [
        ("http://example.com/hook", EVENTS, "https://"),
        ("ftp://example.com/hook", EVENTS, "https://"),
        ("https://", EVENTS, "https://"),
        ("https://example.com/" + "a" * 2048, EVENTS, "2048"),
        (HOOK, (), "No events given"),
        (HOOK, ("alert.opened", "stock.sold"), "Unknown events: stock.sold"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    shop: ShopFixture, db: Database, url: str, events: tuple[str, ...], says: str
) -> None:
    shop_id = shop_id_of(shop)
    before = snapshot(db)
    with pytest.raises(InvalidInput, match=says):
        shop.run(create_webhook, shop_id=shop_id, url=url, events=list(events))
    assert snapshot(db) == before


def test_plain_http_is_allowed_for_a_receiver_on_this_machine(shop: ShopFixture) -> None:
    subscribe(shop, url="http://127.0.0.1:8080/hook")
    subscribe(shop, url="http://localhost/hook")
    assert len(shop.run(list_webhooks, shop_id=shop_id_of(shop))) == 2


def test_a_shop_has_at_most_ten_webhooks(shop: ShopFixture, db: Database) -> None:
    for _ in range(10):
        subscribe(shop)
    before = snapshot(db)
    with pytest.raises(InvalidInput, match="at most 10 webhooks"):
        subscribe(shop)
    assert snapshot(db) == before


def test_another_shops_webhook_is_not_found_exactly_like_a_missing_one(
    shop: ShopFixture, db: Database
) -> None:
    other = build_shop(db, admin=2000)
    theirs = subscribe(other)
    before = snapshot(db)
    with pytest.raises(NotFound) as foreign:
        shop.run(delete_webhook, shop_id=shop_id_of(shop), webhook_id=theirs)
    with pytest.raises(NotFound) as missing:
        shop.run(delete_webhook, shop_id=shop_id_of(shop), webhook_id=theirs + 100)
    assert str(foreign.value) == str(missing.value).replace(str(theirs + 100), str(theirs))
    assert snapshot(db) == before


def test_deleting_a_webhook_cancels_what_was_queued_for_it(shop: ShopFixture) -> None:
    endpoint = subscribe(shop)
    shop.add_item("Tea", 3, threshold=5)
    shop.run(delete_webhook, shop_id=shop_id_of(shop), webhook_id=endpoint)
    rows = shop.notifications(channel="webhook")
    assert {row.status for row in rows} == {"cancelled"}
    assert shop.run(list_webhooks, shop_id=shop_id_of(shop)) == []


def test_each_change_queues_its_events_for_the_endpoints_subscribed_to_them(
    shop: ShopFixture,
) -> None:
    everything, stock_only = subscribe(shop), subscribe(shop, ("stock.changed",))
    alerts_only = subscribe(shop, ("alert.opened", "alert.resolved"))
    shop.add_item("Tea", 3, threshold=5)
    shop.run(ack_alert, telegram_user_id=shop.admin, item_name="Tea")
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Tea", amount=10)
    assert events_for(shop, everything) == [
        "stock.changed",
        "alert.opened",
        "alert.updated",
        "stock.changed",
        "alert.resolved",
    ]
    assert events_for(shop, stock_only) == ["stock.changed", "stock.changed"]
    assert events_for(shop, alerts_only) == ["alert.opened", "alert.resolved"]


def test_deleting_an_item_is_a_stock_change_to_zero_and_resolves_its_alert(
    shop: ShopFixture,
) -> None:
    endpoint = subscribe(shop)
    shop.add_item("Tea", 3, threshold=5)
    shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea")
    *_, deleted, resolved = shop.notifications(recipient=str(endpoint))
    assert deleted.payload["type"] == "stock.changed"
    assert {key: deleted.payload["data"][key] for key in ("quantity", "delta", "reason")} == {
        "quantity": 0,
        "delta": -3,
        "reason": "delete",
    }
    assert resolved.payload["type"] == "alert.resolved"
    assert resolved.payload["data"]["resolution"] == "deleted"


def test_event_payloads_are_standard_webhooks_envelopes(shop: ShopFixture) -> None:
    endpoint = subscribe(shop)
    shop.add_item("Tea", 3, threshold=5)
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Tea", amount=10)
    created, opened, restocked, resolved = shop.notifications(recipient=str(endpoint))
    (alert,) = shop.alerts()
    assert created.payload["type"] == "stock.changed"
    assert datetime.fromisoformat(created.payload["timestamp"]).tzinfo == UTC
    assert restocked.payload["data"] | {"movement_id": 0} == {
        "item_id": alert.item_id,
        "name": "Tea",
        "sku": None,
        "quantity": 13,
        "delta": 10,
        "reason": "add",
        "source": None,
        "movement_id": 0,
    }
    assert opened.payload["data"]["status"] == "open"
    assert resolved.payload["data"] == {
        "alert_id": alert.id,
        "item_id": alert.item_id,
        "item_name": "Tea",
        "sku": None,
        "status": "resolved",
        "quantity": 13,
        "threshold": 5,
        "acknowledged_by": None,
        "on_order": 0,
        "order_due": None,
        "resolution": "restocked",
        "resolved_at": resolved.payload["timestamp"],
    }
    assert (opened.alert_id, opened.member_id, opened.kind) == (alert.id, None, "webhook_event")
    assert len({row.idempotency_key for row in (created, opened, restocked, resolved)}) == 4


def test_no_events_for_a_shop_without_webhooks_nor_for_a_disabled_one(
    shop: ShopFixture, db: Database
) -> None:
    other = build_shop(db, admin=2000)
    theirs = subscribe(other)
    with db.unit_of_work() as uow:
        uow.run(update(WebhookEndpoint).values(disabled_at=uow.now()))
        uow.commit()
    shop.add_item("Tea", 3, threshold=5)
    other.add_item("Tea", 3, threshold=5)
    assert shop.notifications(channel="webhook") == []
    assert events_for(other, theirs) == []


def statements_during(db: Database, change: Callable[[], object]) -> list[str]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        change()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_a_stock_change_in_a_shop_without_webhooks_runs_no_statement_for_them(
    shop: ShopFixture, db: Database
) -> None:
    shop.add_item("Tea", 3, threshold=5)
    for amount in (1, 10):  # still low, then restocked
        ran = statements_during(
            db,
            lambda amount=amount: shop.run(
                changes.add_stock, telegram_user_id=shop.admin, name="Tea", amount=amount
            ),
        )
        about_webhooks = [statement for statement in ran if "webhook_endpoints" in statement]
        # The item's state, which says there are none: on PostgreSQL, read by the change's
        # one statement.
        assert len(about_webhooks) == 1
        assert about_webhooks[0].lstrip().startswith(("SELECT items.name", "WITH target AS"))


def test_a_refused_change_queues_no_event(shop: ShopFixture) -> None:
    subscribe(shop)
    shop.add_item("Tea", 3, threshold=5)
    queued = len(shop.notifications(channel="webhook"))
    with pytest.raises(InsufficientStock):
        shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Tea", amount=4)
    assert len(shop.notifications(channel="webhook")) == queued
