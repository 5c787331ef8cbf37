"""Real concurrency on PostgreSQL: threads, each in its own unit of work on its own connection."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, text

from core.alerts import check, lifecycle
from core.db.models import Alert, Item, Movement, Notification
from core.errors import CoreError
from core.stock import changes
from tests.conftest import Clock
from tests.core.conftest import ShopFixture
from tests.core.test_lifecycle import ADMIN_EMAIL, alert_rows, outbox, set_channels

START_TIMEOUT = 30


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment; each result, or what it raised."""
    barrier = threading.Barrier(len(calls), timeout=START_TIMEOUT)

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return call()
        except Exception as exc:  # handed back so the test can say which failures are allowed
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def service(shop: ShopFixture, function: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
    """A call of a core service in its own unit of work, to hand to `together`."""
    return lambda: shop.run(function, **kwargs)


def members(shop: ShopFixture) -> list[int]:
    """Everyone in the shop, by Telegram id."""
    return [shop.admin, *shop.staff]


def movements_of(shop: ShopFixture, name: str) -> list[Movement]:
    """The item's ledger in the order the changes took their row lock."""
    with shop.db.unit_of_work() as uow:
        item_id = select(Item.id).where(Item.name == name).scalar_subquery()
        query = select(Movement).where(Movement.item_id == item_id).order_by(Movement.id)
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def quantity_of(shop: ShopFixture, name: str) -> int:
    """The item's quantity now."""
    with shop.db.unit_of_work() as uow:
        return uow.session.scalars(select(Item.quantity).where(Item.name == name)).one()


def assert_no_error(results: list[Any]) -> None:
    """Every call succeeded."""
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []


def unexpected(results: list[Any]) -> list[Exception]:
    """Failures other than a refusal a user would be shown (a deadlock, a broken constraint)."""
    return [r for r in results if isinstance(r, Exception) and not isinstance(r, CoreError)]


def snoozed(shop: ShopFixture, name: str) -> bool:
    """Whether a manual resolve still keeps the item quiet."""
    with shop.db.unit_of_work() as uow:
        query = select(Item.alert_snoozed_until).where(Item.name == name)
        until = uow.session.scalars(query).one()
        return until is not None and until > uow.now()


def has_open_alert(shop: ShopFixture, name: str) -> bool:
    """Whether the item has an open alert."""
    with shop.db.unit_of_work() as uow:
        item_id = select(Item.id).where(Item.name == name).scalar_subquery()
        query = select(Alert.id).where(Alert.item_id == item_id, Alert.resolved_at.is_(None))
        return uow.session.scalar(query) is not None


def test_twenty_simultaneous_removes_leave_exactly_ten_and_one_alert(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    shop.verified_email(shop.admin, ADMIN_EMAIL)
    shop.add_item("Tea", 30, threshold=15)
    people = members(shop)

    results = together(
        [
            service(
                shop, changes.remove_stock, telegram_user_id=people[n % 3], name="Tea", amount=1
            )
            for n in range(20)
        ]
    )

    assert_no_error(results)
    assert quantity_of(shop, "Tea") == 10
    removes = [row for row in movements_of(shop, "Tea") if row.reason == "remove"]
    assert len(removes) == 20
    assert {row.delta for row in removes} == {-1}
    assert sorted(row.quantity_after for row in removes) == list(range(10, 30))
    [alert] = alert_rows(shop)
    assert (alert.quantity, alert.threshold, alert.resolved_at) == (14, 15, None)
    assert [result.alert_opened for result in results if result.alert_opened] == [alert.id]
    rows = outbox(shop)
    assert {(row.kind, row.alert_id) for row in rows} == {("alert", alert.id)}
    assert sorted(row.channel for row in rows) == ["email", "telegram", "telegram", "telegram"]


def test_simultaneous_drops_on_several_items_open_one_alert_each(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    names = ["Tea", "Coffee", "Milk", "Sugar"]
    for name in names:
        shop.add_item(name, 10, threshold=8)

    results = together(
        [
            service(shop, changes.remove_stock, telegram_user_id=shop.admin, name=name, amount=1)
            for _ in range(4)
            for name in names
        ]
    )

    assert_no_error(results)
    assert [quantity_of(shop, name) for name in names] == [6, 6, 6, 6]
    opened = alert_rows(shop)
    assert len(opened) == 4
    assert {(alert.quantity, alert.resolved_at) for alert in opened} == {(7, None)}
    per_alert = Counter(row.alert_id for row in outbox(shop, kind="alert"))
    assert per_alert == {alert.id: 3 for alert in opened}


def test_simultaneous_adds_and_removes_never_lose_an_update(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    shop.add_item("Tea", 500)
    draw = random.Random(20260302)
    deltas = [draw.choice([-1, 1]) * draw.randint(1, 20) for _ in range(20)]

    results = together(
        [
            service(
                shop,
                changes.add_stock if delta > 0 else changes.remove_stock,
                telegram_user_id=shop.admin,
                name="Tea",
                amount=abs(delta),
            )
            for delta in deltas
        ]
    )

    assert_no_error(results)
    assert quantity_of(shop, "Tea") == 500 + sum(deltas)
    ledger = movements_of(shop, "Tea")
    assert sorted(row.delta for row in ledger[1:]) == sorted(deltas)
    # Each change starts from the quantity the previous one left: none was lost or overlapped.
    for previous, current in itertools.pairwise(ledger):
        assert current.quantity_after == previous.quantity_after + current.delta


def overlapping_alerts(shop: ShopFixture) -> list[int]:
    """Items that ever had two alerts open at the same time."""
    by_item: dict[int, list[Alert]] = {}
    for alert in alert_rows(shop):
        by_item.setdefault(alert.item_id, []).append(alert)
    return [
        item_id
        for item_id, history in by_item.items()
        for earlier, later in itertools.pairwise(history)
        if earlier.resolved_at is None or earlier.resolved_at > later.created_at
    ]


def duplicate_messages(shop: ShopFixture) -> list[tuple[Any, ...]]:
    """Outbox rows that tell one member the same thing twice on one channel."""
    rows: list[Notification] = outbox(shop)
    seen = Counter(
        (row.member_id, row.channel, row.kind, row.alert_id)
        if row.alert_id is not None
        else (row.member_id, row.channel, row.kind, row.created_at)
        for row in rows
    )
    return [key for key, count in seen.items() if count > 1]


def racing_round(shop: ShopFixture, names: list[str], draw: random.Random) -> list[Any]:
    """Removes, restocks, manual resolves and two daily checks, all released at once."""
    calls = [service(shop, check.run_check) for _ in range(2)]
    for name in names:
        for function in (changes.remove_stock, changes.remove_stock, changes.add_stock):
            amount = draw.randint(1, 4)
            calls.append(
                service(shop, function, telegram_user_id=shop.admin, name=name, amount=amount)
            )
    # Resolving by hand only the first item lets the others' alerts grow old enough to remind.
    calls.append(
        service(shop, lifecycle.resolve_alert, telegram_user_id=shop.admin, item_name=names[0])
    )
    draw.shuffle(calls)
    return together(calls)


def test_a_daily_check_racing_with_stock_changes_never_doubles_an_alert_or_a_message(
    pg_shop: ShopFixture, clock: Clock
) -> None:
    shop = pg_shop
    set_channels(shop)
    names = ["Tea", "Coffee", "Milk", "Sugar"]
    for name in names:
        shop.add_item(name, 6)
    # Low from the start and touched by nobody: its alert is due a reminder in the third
    # round whatever the interleaving does to the others, so reminders always race too.
    shop.add_item("Flour", 1)
    draw = random.Random(7)

    for _ in range(6):
        # Refusals (not enough stock, no open alert to resolve) are fine; nothing else is.
        assert unexpected(racing_round(shop, names, draw)) == []
        clock.advance(hours=13)

    assert overlapping_alerts(shop) == []
    assert duplicate_messages(shop) == []
    assert outbox(shop, kind="reminder_digest") != []
    shop.run(check.run_check)  # settles what no evaluation has looked at since the race
    for name in names:
        low = quantity_of(shop, name) < 5
        assert has_open_alert(shop, name) == (low and not snoozed(shop, name))


def test_two_daily_checks_in_parallel_queue_each_digest_once(
    pg_shop: ShopFixture, clock: Clock
) -> None:
    shop = pg_shop
    set_channels(shop)
    for number in range(5):
        shop.add_item(f"Item {number}", number)
    clock.advance(hours=24)

    reports = together([service(shop, check.run_check) for _ in range(4)])

    assert_no_error(reports)
    assert sorted(report.alerts_reminded for report in reports) == [0, 0, 0, 5]
    assert sorted(report.reminder_messages for report in reports) == [0, 0, 0, 4]
    digests = outbox(shop, kind="reminder_digest")
    assert len(digests) == 4
    assert all(len(row.payload["alerts"]) == 5 for row in digests)
    assert {alert.last_notified_at for alert in alert_rows(shop)} == {clock.now}


def test_resolving_by_hand_while_someone_restocks_never_fails(pg_shop: ShopFixture) -> None:
    shop = pg_shop
    names = [f"Item {number}" for number in range(8)]
    for name in names:
        shop.add_item(name, 1)
    calls = []
    for name in names:
        calls.append(
            service(shop, lifecycle.resolve_alert, telegram_user_id=shop.staff[0], item_name=name)
        )
        calls.append(
            service(shop, changes.add_stock, telegram_user_id=shop.admin, name=name, amount=10)
        )

    results = together(calls)

    # Whoever comes second is told plainly; the database never gives up on either.
    assert unexpected(results) == []
    assert [quantity_of(shop, name) for name in names] == [11] * 8
    assert alert_rows(shop, resolved_at=None) == []
    assert {alert.resolution for alert in alert_rows(shop)} <= {"manual", "restocked"}
    assert not any(snoozed(shop, name) for name in names)


def test_a_daily_check_racing_with_restocks_of_imported_items_never_fails(
    pg_shop: ShopFixture, clock: Clock
) -> None:
    shop = pg_shop
    names = [f"Item {number}" for number in range(8)]
    for name in names:
        first = shop.add_item(name, 2).alert_opened
        shop.run(lifecycle.resolve_alert, telegram_user_id=shop.admin, alert_id=first)
    clock.advance(hours=24)
    for name in names:  # a new alert, while the old snooze is still on the item
        shop.run(changes.remove_stock, telegram_user_id=shop.admin, name=name, amount=1)
    with shop.db.engine.begin() as connection:  # an import restocks them behind the core's back
        connection.execute(text("UPDATE items SET quantity = 50"))
    calls = [service(shop, check.run_check)]
    for name in names:
        calls.append(
            service(shop, changes.add_stock, telegram_user_id=shop.admin, name=name, amount=1)
        )

    results = together(calls)

    assert_no_error(results)
    assert alert_rows(shop, resolved_at=None) == []
    assert len(outbox(shop, kind="back_in_stock")) == 8 * 3
    assert not any(snoozed(shop, name) for name in names)
