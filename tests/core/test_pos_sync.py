"""Point-of-sale events applied to the stock, once each, and unknown SKUs told to admins."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select, text

from core.alerts import check
from core.db.models import Item, Movement, PosEvent, UnknownSku
from core.pos_webhooks import SkuCount, parse_shopify_inventory, parse_square_inventory
from core.results import PosResult
from core.shops import pos
from core.stock import queries, skus
from core.stock.pos_sync import apply_pos_event
from core.validation import MAX_QUANTITY
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.locks import until_waiting
from tests.core.pos_examples import SHOPIFY_BODY, SQUARE_BODY, SQUARE_VARIATION
from tests.core.test_concurrency import together


def _connection(shop: ShopFixture, provider: str = "shopify") -> int:
    made = shop.run(
        pos.connect,
        telegram_user_id=shop.admin,
        provider=provider,
        secret="key-0123456789",
        public_base_url="https://stock.example.com",
    )
    assert made.webhook_url is not None
    found = shop.run(pos.connection_for, provider=provider, token=made.webhook_url[-43:])
    assert found is not None
    return found.id


def _item_with_sku(shop: ShopFixture, name: str, quantity: int, sku: str) -> None:
    shop.add_item(name, quantity)
    shop.run(skus.set_sku, telegram_user_id=shop.admin, name=name, sku=sku)


def _apply(shop: ShopFixture, connection: int, event: str, counts: list[SkuCount]) -> PosResult:
    result: PosResult = shop.run(
        apply_pos_event, connection_id=connection, event_id=event, counts=counts
    )
    return result


def _rows(shop: ShopFixture, query: Any) -> list[Any]:
    with shop.db.unit_of_work() as uow:
        return [tuple(row) for row in uow.run(query)]


def test_a_shopify_event_sets_the_item_through_the_ledger_and_opens_its_alert(
    shop: ShopFixture,
) -> None:
    _item_with_sku(shop, "Green tea", 20, "271878346596884015")
    connection = _connection(shop)

    result = _apply(shop, connection, "wh-1", parse_shopify_inventory(SHOPIFY_BODY))

    assert not result.replayed
    assert [(c.item.name, c.item.quantity, c.delta) for c in result.changed] == [
        ("Green tea", 6, -14)
    ]
    assert result.changed[0].alert_opened is None
    ledger = _rows(
        shop,
        select(
            Movement.reason,
            Movement.delta,
            Movement.quantity_after,
            Movement.member_id,
            Movement.source,
        ).order_by(Movement.id),
    )
    assert ledger[-1] == ("import", -14, 6, None, "shopify:shopify")
    details = shop.run(queries.item_details, telegram_user_id=shop.admin, name="Green tea")
    assert (details.item.sku, details.movements[0].source) == (
        "271878346596884015",
        "shopify:shopify",
    )


def test_a_low_count_opens_the_alert_and_a_replay_changes_nothing(shop: ShopFixture) -> None:
    _item_with_sku(shop, "Matcha", 20, SQUARE_VARIATION)
    connection = _connection(shop, "square")
    event, counts = parse_square_inventory(SQUARE_BODY.replace(b'"10"', b'"2"'))

    first = _apply(shop, connection, event, counts)
    before = snapshot(shop.db)
    again = _apply(shop, connection, event, counts)

    assert first.changed[0].alert_opened is not None
    assert again == PosResult(replayed=True)
    assert snapshot(shop.db) == before


def test_counts_already_applied_negative_and_absurd_ones(shop: ShopFixture) -> None:
    _item_with_sku(shop, "Same", 7, "S")
    _item_with_sku(shop, "Oversold", 7, "O")
    _item_with_sku(shop, "Huge", 7, "H")
    connection = _connection(shop)
    counts = [SkuCount("S", 7), SkuCount("O", -3), SkuCount("H", MAX_QUANTITY + 1)]

    result = _apply(shop, connection, "e1", counts)

    assert result.unchanged == 1
    assert [(c.item.name, c.item.quantity) for c in result.changed] == [("Oversold", 0)]
    assert result.refused_skus == ("H",)
    quantities = dict(_rows(shop, select(Item.name, Item.quantity)))
    assert quantities == {"Same": 7, "Oversold": 0, "Huge": 7}


def test_unknown_skus_are_recorded_counted_and_not_an_error(shop: ShopFixture) -> None:
    _item_with_sku(shop, "Green tea", 5, "GT")
    connection = _connection(shop)

    first = _apply(shop, connection, "e1", [SkuCount("NOPE", 3), SkuCount("GT", 9)])
    second = _apply(shop, connection, "e2", [SkuCount("NOPE", 2)])

    assert first.unknown_skus == ("NOPE",)
    assert [c.item.quantity for c in first.changed] == [9]
    assert second.unknown_skus == ("NOPE",)
    assert _rows(shop, select(UnknownSku.sku, UnknownSku.times, UnknownSku.reported_at)) == [
        ("NOPE", 2, None)
    ]


def test_an_item_of_another_shop_with_that_sku_is_never_touched(shop: ShopFixture, db: Any) -> None:

    other = build_shop(db, admin=5000)
    _item_with_sku(other, "Theirs", 5, "GT")
    connection = _connection(shop)

    result = _apply(shop, connection, "e1", [SkuCount("GT", 50)])

    assert result.unknown_skus == ("GT",)
    assert _rows(shop, select(Item.quantity)) == [(5,)]


def test_unknown_skus_go_to_each_admin_once_with_the_daily_check(
    shop: ShopFixture, clock: Clock
) -> None:
    connection = _connection(shop)
    _apply(shop, connection, "e1", [SkuCount("B-2", 1), SkuCount("A-1", 1)])

    shop.run(check.run_check)
    shop.run(check.run_check)

    sent = shop.notifications(kind="unknown_skus")
    assert [(n.member_id is not None, n.channel, n.recipient) for n in sent] == [
        (True, "telegram", str(shop.admin))
    ]
    assert [line["sku"] for line in sent[0].payload["skus"]] == ["A-1", "B-2"]
    assert sent[0].payload["skus"][0]["source"] == "shopify"
    clock.advance(days=1)
    _apply(shop, connection, "e2", [SkuCount("A-1", 1), SkuCount("C-3", 1)])
    shop.run(check.run_check)
    later = shop.notifications(kind="unknown_skus")[1:]
    assert [[line["sku"] for line in n.payload["skus"]] for n in later] == [["C-3"]]


def test_two_deliveries_of_one_event_at_once_apply_it_once(pg_shop: ShopFixture) -> None:
    _item_with_sku(pg_shop, "Green tea", 20, "GT")
    connection = _connection(pg_shop)
    counts = [SkuCount("GT", 3)]
    # Hold the item's row lock: the first delivery waits for it after recording the event,
    # the second for the first's event row; both are in flight together when it is let go.
    with pg_shop.db.engine.connect() as holder:
        holder.execute(text("SELECT id FROM items FOR UPDATE"))
        results: list[Any] = []
        thread = threading.Thread(
            target=lambda: results.extend(
                together([lambda: _apply(pg_shop, connection, "same", counts)] * 2)
            )
        )
        thread.start()
        until_waiting(pg_shop.db, 2)
        holder.rollback()
    thread.join()

    assert sorted(result.replayed for result in results) == [False, True]
    assert _rows(pg_shop, select(Item.quantity)) == [(3,)]
    imports = select(Movement.id).where(Movement.reason == "import")
    assert len(_rows(pg_shop, imports)) == 1
    assert len(_rows(pg_shop, select(PosEvent.id))) == 1
