"""The daily check and /check of one shop beside other shops' work (SPEC 2.7), with real threads
on PostgreSQL: a check of one shop never waits for, or holds up, other shops' checks or
commands, and a shop's checks take turns, so nobody is reminded twice."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, text

from core.alerts import check
from core.db.session import Database
from core.stock import changes
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop
from tests.core.locks import until_waiting
from tests.core.test_check import report, shop_id
from tests.core.test_concurrency import service, together
from tests.core.test_lifecycle import outbox

# What "at once" allows: a check of a few items takes milliseconds, a held-up one forever.
PROMPTLY = 5
WAIT_TIMEOUT = 10


@dataclass
class Shops:
    """Ann's shop, Bob's (where a slow transaction holds an alert), Cid's; each has Tea low,
    its alert due a reminder."""

    ann: ShopFixture
    bob: ShopFixture
    cid: ShopFixture


@pytest.fixture
def three_shops(pg_db: Database, clock: Clock) -> Shops:
    shops = Shops(
        ann=build_shop(pg_db, admin=1000, staff=1),
        bob=build_shop(pg_db, admin=2000, staff=1),
        cid=build_shop(pg_db, admin=3000, staff=1),
    )
    for each in (shops.ann, shops.bob, shops.cid):
        each.add_item("Tea", 2)
    shops.cid.add_item("Milk", 20)
    clock.advance(hours=24)
    return shops


@contextmanager
def slow_transaction_on_alerts_of(shop: ShopFixture) -> Iterator[Connection]:
    """A transaction that holds the row locks of the shop's alerts until the block ends."""
    with shop.db.engine.connect() as connection, connection.begin():
        statement = text("SELECT id FROM alerts WHERE shop_id = :shop FOR UPDATE")
        connection.execute(statement, {"shop": shop_id(shop)})
        yield connection


def in_thread(
    pool: ThreadPoolExecutor, shop: ShopFixture, service: Any, **kwargs: Any
) -> Future[Any]:
    """A service of the shop's, in its own unit of work, in a thread of the pool."""
    return pool.submit(shop.run, service, **kwargs)


def digests_of(shop: ShopFixture) -> list[tuple[int | None, list[str]]]:
    """The shop's reminder digests: to whom, listing which items."""
    rows = outbox(shop, kind="reminder_digest", shop_id=shop_id(shop))
    return [(row.member_id, [e["item_name"] for e in row.payload["alerts"]]) for row in rows]


def reminded_once(shop: ShopFixture) -> bool:
    """Each of the shop's two members was sent one digest, listing Tea."""
    digests = digests_of(shop)
    members = {member for member, _ in digests}
    return len(digests) == len(members) == 2 and all(items == ["Tea"] for _, items in digests)


def test_a_daily_check_held_up_in_one_shop_holds_up_neither_check_nor_stock_of_other_shops(
    three_shops: Shops,
) -> None:
    ann, bob, cid = three_shops.ann, three_shops.bob, three_shops.cid
    with ThreadPoolExecutor(max_workers=4) as pool:
        with slow_transaction_on_alerts_of(bob):
            bobs_check = in_thread(pool, bob, check.check_shop, telegram_user_id=bob.admin)
            until_waiting(bob.db, 1)
            daily = in_thread(pool, ann, check.run_check)
            until_waiting(bob.db, 2)  # the daily check has got as far as it can: to Bob's shop

            anns_check = in_thread(pool, ann, check.check_shop, telegram_user_id=ann.admin)
            removal = in_thread(
                pool, cid, changes.remove_stock, telegram_user_id=cid.admin, name="Milk", amount=1
            )
            try:
                anns_report = anns_check.result(timeout=PROMPTLY)
                removed = removal.result(timeout=PROMPTLY)
            finally:
                still_running = not daily.done()
        bobs_report, daily_report = bobs_check.result(WAIT_TIMEOUT), daily.result(WAIT_TIMEOUT)

    # The daily check had reminded Ann's shop already, and waited for Bob's /check alone.
    assert anns_report == report(low=1, opened=0, reminded=0, messages=0, resolved=0)
    assert removed.item.quantity == 19
    assert still_running
    assert bobs_report == report(low=1, opened=0, reminded=1, messages=2, resolved=0)
    assert daily_report == report(low=3, opened=0, reminded=2, messages=4, resolved=0)
    assert all(reminded_once(shop) for shop in (ann, bob, cid))


def test_checks_of_the_same_shop_take_turns_and_remind_once(three_shops: Shops) -> None:
    bob = three_shops.bob
    with ThreadPoolExecutor(max_workers=3) as pool:
        with slow_transaction_on_alerts_of(bob):
            first = in_thread(pool, bob, check.check_shop, telegram_user_id=bob.admin)
            until_waiting(bob.db, 1)
            daily = in_thread(pool, bob, check.run_check)
            second = in_thread(pool, bob, check.check_shop, telegram_user_id=bob.admin)
            until_waiting(bob.db, 3)  # each waits its turn
        reports = [future.result(WAIT_TIMEOUT) for future in (first, second)]
        daily_report = daily.result(WAIT_TIMEOUT)

    assert reports[0] == report(low=1, opened=0, reminded=1, messages=2, resolved=0)
    assert reports[1] == report(low=1, opened=0, reminded=0, messages=0, resolved=0)
    assert daily_report == report(low=3, opened=0, reminded=2, messages=4, resolved=0)
    assert reminded_once(bob)


def test_parallel_daily_checks_over_many_transactions_remind_each_shop_once(
    pg_db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "CHUNK_ITEMS", 3)  # a few shops per transaction
    shops = [build_shop(pg_db, admin=1000 * number, staff=1) for number in range(1, 9)]
    for each in shops:
        each.add_item("Tea", 2)
        each.add_item("Milk", 20)
    clock.advance(hours=24)

    reports = together([service(shops[0], check.run_check) for _ in range(4)])

    # Each shop was checked by every run, and reminded by exactly one of them.
    assert {each.items_low for each in reports} == {8}
    assert sum(each.alerts_reminded for each in reports) == 8
    assert sum(each.reminder_messages for each in reports) == 16
    assert all(reminded_once(each) for each in shops)


def test_a_daily_check_in_several_transactions_reports_the_sum_of_its_shops(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check, "CHUNK_ITEMS", 2)
    shops = [build_shop(db, admin=1000 * number, staff=1) for number in range(1, 6)]
    for number, each in enumerate(shops):
        each.add_item("Tea", 2)  # due a reminder
        each.add_item("Milk", 20 if number % 2 else 30)
    clock.advance(hours=24)
    with db.engine.begin() as connection:  # an import: Milk low in two shops, Tea back in one
        connection.execute(text("UPDATE items SET quantity = 1 WHERE quantity = 20"))
        connection.execute(text("UPDATE items SET quantity = 9 WHERE id = 1"))

    assert shops[0].run(check.run_check) == report(
        low=6, opened=2, reminded=4, messages=8, resolved=1
    )
    assert [reminded_once(each) for each in shops] == [False, True, True, True, True]
