"""Orders (SPEC 2.8): an ordered alert waits for its due date; received stock clears it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.alerts import check, handling
from core.delivery.content import read_notice
from core.errors import InvalidInput, NotFound
from core.results import OrderChange
from core.shops import zones
from core.stock import changes, orders
from core.validation import parse_due_date
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, snapshot

MONDAY = date(2026, 3, 2)  # the test clock's first day


def order(shop: ShopFixture, **arguments: object) -> OrderChange:
    return shop.run(orders.order_item, telegram_user_id=shop.admin, name="Green tea", **arguments)


def reminded(shop: ShopFixture) -> list[list[str]]:
    """The items of the admin's reminder digests, in order."""
    return [
        [entry["item_name"] for entry in row.payload["alerts"]]
        for row in shop.notifications(kind="reminder_digest", recipient=str(shop.admin))
    ]


def test_an_order_defaults_to_twice_the_threshold_due_in_three_days(shop: ShopFixture) -> None:
    opened = shop.add_item("Green tea", 2).alert_opened

    change = order(shop)

    assert (change.quantity, change.due, change.alert_id) == (8, MONDAY + timedelta(days=3), opened)
    assert (change.item.on_order, change.item.order_due) == (8, MONDAY + timedelta(days=3))


def test_an_ordered_alert_gets_no_reminder_until_the_day_after_it_is_due(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Green tea", 2)
    shop.add_item("Oat milk", 1)
    order(shop, quantity=48, due="thu")  # Thursday 5 Mar

    for _ in range(3):  # Tue, Wed, Thu
        clock.advance(hours=24)
        shop.run(check.run_check)
    clock.advance(hours=24)  # Friday: a day late
    shop.run(check.run_check)

    assert reminded(shop) == [["Oat milk"], ["Oat milk"], ["Oat milk"], ["Green tea", "Oat milk"]]


def test_received_stock_clears_what_it_covers_and_then_reminders_come_again(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Green tea", 0, threshold=50)
    order(shop, quantity=10, due="2026-03-20")

    partly = shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Green tea", amount=4)
    fully = shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Green tea", amount=9)
    clock.advance(hours=24)
    shop.run(check.run_check)

    assert (partly.item.on_order, partly.item.order_due) == (6, date(2026, 3, 20))
    assert (fully.item.on_order, fully.item.order_due) == (0, None)
    assert reminded(shop) == [["Green tea"]]  # still low, nothing on order any more


def test_ordered_off_cancels_the_order_and_reminders_come_again(
    shop: ShopFixture, clock: Clock
) -> None:
    opened = shop.add_item("Green tea", 2).alert_opened
    order(shop)

    cancelled = shop.run(orders.cancel_order, telegram_user_id=shop.admin, name="green tea")
    clock.advance(hours=24)
    shop.run(check.run_check)

    assert (cancelled.quantity, cancelled.due, cancelled.alert_id) == (0, None, opened)
    assert reminded(shop) == [["Green tea"]]


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("fri", date(2026, 3, 6)),
        ("Monday", date(2026, 3, 9)),  # the next Monday, not today
        ("tomorrow", date(2026, 3, 3)),
        ("today", MONDAY),
        ("3d", date(2026, 3, 5)),
        ("2w", date(2026, 3, 16)),
        ("2026-12-05", date(2026, 12, 5)),
    ],
)
def test_due_dates_are_read_as_staff_type_them(typed: str, due: date) -> None:
    assert parse_due_date(typed, MONDAY) == due


def test_the_due_date_is_the_shops_day(shop: ShopFixture, clock: Clock) -> None:
    shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone="Pacific/Auckland")
    shop.add_item("Green tea", 2)
    clock.now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # already Tuesday 01:00 in Auckland

    assert order(shop, due="tomorrow").due == date(2026, 3, 4)


@pytest.mark.parametrize("due", ["2026-03-01", "2027-03-03", "soon", "2026-02-30", "0x"])
def test_a_due_date_in_the_past_too_far_or_unreadable_is_refused_changing_nothing(
    shop: ShopFixture, due: str
) -> None:
    shop.add_item("Green tea", 2)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match="Say when it is due"):
        order(shop, due=due)
    assert snapshot(shop.db) == before


def test_bad_quantities_unknown_items_and_nothing_to_cancel_are_refused_changing_nothing(
    shop: ShopFixture,
) -> None:
    shop.add_item("Green tea", 2)
    before = snapshot(shop.db)

    for quantity in (0, -3):
        with pytest.raises(InvalidInput):
            order(shop, quantity=quantity)
    with pytest.raises(NotFound):
        shop.run(orders.order_item, telegram_user_id=shop.admin, name="Nutmeg")
    with pytest.raises(InvalidInput, match=r"Nothing is on order for Green tea\."):
        shop.run(orders.cancel_order, telegram_user_id=shop.admin, name="Green tea")
    assert snapshot(shop.db) == before


def test_a_late_orders_reminder_says_how_late_it_is_and_who_is_on_it(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Green tea", 2)
    order(shop, quantity=48, due="thu")  # Thursday 5 Mar
    shop.run(handling.ack_alert, telegram_user_id=shop.staff[0], item_name="Green tea")
    clock.advance(days=5)  # Saturday 7 Mar: two days late

    shop.run(check.run_check)

    [digest] = shop.notifications(kind="reminder_digest", recipient=str(shop.admin))
    [item] = read_notice(digest.kind, digest.payload).items
    assert item.line == (
        f"2 left, below the threshold of 5 · 🙋 Staff {shop.staff[0]} is on it · "
        "⏰ ordered 48 on 2 Mar, due 5 Mar: 2 days late"
    )
