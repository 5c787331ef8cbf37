"""A stock change that waited for another change of the same item sees that change's alert.

On PostgreSQL a change is one statement whose snapshot is taken before it waits for the
item's row lock; these hold the lock with a first change, uncommitted, while a second waits."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core.results import StockChange
from core.stock import changes
from tests.core.conftest import ShopFixture
from tests.core.locks import until_waiting
from tests.core.test_lifecycle import alert_rows, outbox

LOCK_WAIT_TIMEOUT = 30.0


def behind(
    shop: ShopFixture, first: Callable[..., StockChange], second: Callable[..., StockChange]
) -> tuple[StockChange, StockChange]:
    """Run `first` of Tea, and `second` of Tea in a thread that waits for first's row lock
    until `first` commits; what each returned."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        with shop.db.unit_of_work() as uow:
            uow.hold_commits()
            done = first(uow)
            waiting = pool.submit(lambda: shop.run(second))
            until_waiting(shop.db, 1, LOCK_WAIT_TIMEOUT)
            uow.release_commits()
        return done, waiting.result(timeout=LOCK_WAIT_TIMEOUT)


def sent(shop: ShopFixture) -> list[tuple[str, int | None]]:
    """What the outbox was given, in order, once per kind and alert (not per member)."""
    return list(dict.fromkeys((row.kind, row.alert_id) for row in outbox(shop)))


def change(service: Callable[..., StockChange], shop: ShopFixture, amount: int) -> Any:
    """The service as a change of Tea by the admin, given its unit of work."""
    return lambda uow: service(uow, telegram_user_id=shop.admin, name="Tea", amount=amount)


def test_a_restock_waiting_behind_the_removal_that_opened_an_alert_resolves_it(
    pg_shop: ShopFixture,
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10, threshold=8)

    removal, restock = behind(
        shop, change(changes.remove_stock, shop, 5), change(changes.add_stock, shop, 10)
    )

    [alert] = alert_rows(shop)
    assert removal.alert_opened == alert.id
    assert restock.item.quantity == 15
    assert (restock.alert_opened, restock.alert_resolved) == (None, alert.id)
    assert (alert.resolution, alert.resolved_at is not None) == ("restocked", True)
    assert sent(shop) == [("alert", alert.id), ("back_in_stock", alert.id)]


def test_a_removal_waiting_behind_the_restock_that_resolved_an_alert_opens_a_new_one(
    pg_shop: ShopFixture,
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10, threshold=8)
    first_alert = shop.run(change(changes.remove_stock, shop, 5)).alert_opened

    restock, removal = behind(
        shop, change(changes.add_stock, shop, 4), change(changes.remove_stock, shop, 2)
    )

    old, new = alert_rows(shop)
    assert restock.alert_resolved == old.id == first_alert
    assert removal.item.quantity == 7
    assert (removal.alert_opened, removal.alert_resolved) == (new.id, None)
    assert (new.quantity, new.resolved_at) == (7, None)
    assert sent(shop) == [
        ("alert", old.id),
        ("back_in_stock", old.id),
        ("alert", new.id),
    ]


def test_a_removal_waiting_behind_the_removal_that_opened_an_alert_opens_none(
    pg_shop: ShopFixture,
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10, threshold=8)

    first, second = behind(
        shop, change(changes.remove_stock, shop, 3), change(changes.remove_stock, shop, 1)
    )

    [alert] = alert_rows(shop)
    assert (first.alert_opened, second.alert_opened) == (alert.id, None)
    assert second.item.quantity == 6
    assert sent(shop) == [("alert", alert.id)]
