"""A change racing a deletion of the same item, with real threads on PostgreSQL (SPEC 1, 2)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, text

from core.alerts import check
from core.errors import NotFound
from core.stock import changes, thresholds
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, snapshot
from tests.core.locks import until_waiting
from tests.core.test_lifecycle import alert_rows, outbox

LOCK_WAIT_TIMEOUT = 30.0


@contextmanager
def item_row_held(shop: ShopFixture, name: str) -> Iterator[Connection]:
    """Hold the item's row lock in a transaction of its own until the block ends."""
    with shop.db.engine.connect() as connection, connection.begin():
        connection.execute(
            text("SELECT id FROM items WHERE name = :name FOR UPDATE"), {"name": name}
        )
        yield connection


CHANGES = {
    "set": (changes.set_quantity, {"quantity": 2}),
    "add": (changes.add_stock, {"amount": 5}),
    "remove": (changes.remove_stock, {"amount": 8}),
    "threshold": (thresholds.set_item_threshold, {"threshold": 20}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_waiting_behind_a_deletion_says_not_found_and_changes_nothing(
    pg_shop: ShopFixture, change: str
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10)
    service, numbers = CHANGES[change]
    with ThreadPoolExecutor(max_workers=2) as pool:
        with item_row_held(shop, "Tea"):
            deletion = pool.submit(
                lambda: shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea"),
            )
            until_waiting(shop.db, 1, LOCK_WAIT_TIMEOUT)
            racing = pool.submit(
                lambda: shop.run(service, telegram_user_id=shop.admin, name="Tea", **numbers)
            )
            until_waiting(shop.db, 2, LOCK_WAIT_TIMEOUT)
        deleted = deletion.result(timeout=LOCK_WAIT_TIMEOUT)
        after_deletion = snapshot(shop.db)
        with pytest.raises(NotFound, match="There is no item called “Tea”"):
            racing.result(timeout=LOCK_WAIT_TIMEOUT)

    assert deleted.item.quantity == 10
    assert snapshot(shop.db) == after_deletion
    assert alert_rows(shop) == []
    assert outbox(shop) == []


def test_two_deletions_of_one_item_delete_it_once(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    shop.add_item("Tea", 10)

    def delete() -> Any:
        return shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea")

    with ThreadPoolExecutor(max_workers=2) as pool:
        with item_row_held(shop, "Tea"):
            first = pool.submit(delete)
            until_waiting(shop.db, 1, LOCK_WAIT_TIMEOUT)
            second = pool.submit(delete)
            until_waiting(shop.db, 2, LOCK_WAIT_TIMEOUT)
        first.result(timeout=LOCK_WAIT_TIMEOUT)
        with pytest.raises(NotFound):
            second.result(timeout=LOCK_WAIT_TIMEOUT)

    with shop.db.engine.connect() as connection:
        reasons = connection.execute(text("SELECT reason FROM movements ORDER BY id")).all()
    assert [reason for (reason,) in reasons] == ["create", "delete"]


def test_the_daily_check_never_reminds_an_alert_of_a_deleted_item(
    pg_shop: ShopFixture, clock: Clock
) -> None:
    shop = pg_shop
    shop.add_item("Tea", 2)
    # An alert left open on a deleted item, as the race above could leave one before.
    with shop.db.engine.begin() as connection:
        connection.execute(text("UPDATE items SET deleted_at = now() WHERE name = 'Tea'"))
    clock.advance(days=1)

    assert shop.run(check.run_check).alerts_reminded == 0
    assert outbox(shop, kind="reminder_digest") == []
