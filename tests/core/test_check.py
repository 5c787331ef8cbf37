"""The daily check and /check (SPEC 2.6, 2.7), on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from core.alerts import check
from core.db.session import Database
from core.errors import NotAllowed
from core.results import CheckReport
from core.shops import members
from core.stock import changes
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.test_lifecycle import (
    ADMIN_EMAIL,
    STAFF_WHATSAPP,
    alert_rows,
    open_alert_of,
    outbox,
    remove,
    resolve,
    set_channels,
    who_gets,
)

DAY = timedelta(hours=24)


def behind_its_back(shop: ShopFixture, statement: str, **params: object) -> None:
    """Change items with plain SQL, as an import or another tool would: nothing re-evaluates."""
    with shop.db.engine.begin() as connection:
        connection.execute(text(statement), params)


def daily_check(shop: ShopFixture) -> CheckReport:
    """The scheduled check over every shop."""
    return shop.run(check.run_check)


def check_now(shop: ShopFixture) -> CheckReport:
    """/check by the shop's admin."""
    return shop.run(check.check_shop, telegram_user_id=shop.admin)


def shop_id(shop: ShopFixture) -> int:
    """The shop's database id."""
    return int(shop.run(members.get_member, telegram_user_id=shop.admin).shop_id)


def report(low: int, opened: int, reminded: int, messages: int, resolved: int) -> CheckReport:
    """A CheckReport, positionally: items low, opened, reminded, messages, resolved."""
    return CheckReport(
        items_low=low,
        alerts_opened=opened,
        alerts_reminded=reminded,
        reminder_messages=messages,
        alerts_resolved=resolved,
    )


def test_the_check_resolves_alerts_of_items_restocked_behind_its_back(
    shop: ShopFixture, clock: Clock
) -> None:
    tea = shop.add_item("Tea", 2).alert_opened
    shop.add_item("Coffee", 1)
    behind_its_back(shop, "UPDATE items SET quantity = 40 WHERE name = 'Tea'")
    clock.advance(hours=1)

    assert daily_check(shop) == report(low=1, opened=0, reminded=0, messages=0, resolved=1)

    [alert] = alert_rows(shop, id=tea)
    assert (alert.resolution, alert.resolved_by, alert.resolved_at) == (
        "restocked",
        None,
        clock.now,
    )
    assert open_alert_of(shop, "Coffee") is not None
    back = outbox(shop, kind="back_in_stock")
    assert {(row.alert_id, row.channel) for row in back} == {(tea, "telegram")}
    assert len(back) == 3


def test_the_check_opens_alerts_for_low_items_that_have_none(
    shop: ShopFixture, clock: Clock
) -> None:
    set_channels(shop)
    for name, quantity, threshold in [("Tea", 20, None), ("Coffee", 8, None), ("Milk", 9, 0)]:
        shop.add_item(name, quantity, threshold)
    behind_its_back(shop, "UPDATE items SET quantity = 3 WHERE name = 'Tea'")
    behind_its_back(shop, "UPDATE items SET threshold = 10 WHERE name IN ('Coffee', 'Milk')")
    clock.advance(hours=1)

    assert daily_check(shop) == report(low=3, opened=3, reminded=0, messages=0, resolved=0)

    opened = {(alert.quantity, alert.threshold, alert.created_at) for alert in alert_rows(shop)}
    assert opened == {(3, 5, clock.now), (8, 10, clock.now), (9, 10, clock.now)}
    assert who_gets(shop, kind="alert") == {
        (shop.admin, "telegram", str(shop.admin)),
        (shop.admin, "email", ADMIN_EMAIL),
        (shop.staff[0], "telegram", str(shop.staff[0])),
        (shop.staff[0], "whatsapp", STAFF_WHATSAPP),
    }
    assert len(outbox(shop, kind="alert")) == 3 * 4


def test_the_check_leaves_an_item_resolved_by_hand_quiet_until_the_interval_has_passed(
    shop: ShopFixture, clock: Clock
) -> None:
    first = shop.add_item("Tea", 2).alert_opened
    resolve(shop, alert_id=first)

    clock.advance(hours=23)
    assert daily_check(shop) == report(low=1, opened=0, reminded=0, messages=0, resolved=0)
    assert open_alert_of(shop, "Tea") is None

    clock.advance(hours=1)
    assert daily_check(shop) == report(low=1, opened=1, reminded=0, messages=0, resolved=0)
    alert = open_alert_of(shop, "Tea")
    assert alert is not None
    assert alert.id != first


def test_the_check_ignores_deleted_items(shop: ShopFixture, clock: Clock) -> None:
    shop.add_item("Tea", 2)
    shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Tea")
    before = snapshot(shop.db)
    clock.advance(days=2)

    assert daily_check(shop) == report(low=0, opened=0, reminded=0, messages=0, resolved=0)
    assert snapshot(shop.db) == before


def test_reminders_go_for_alerts_last_notified_nine_tenths_of_the_interval_ago_or_more(
    shop: ShopFixture, clock: Clock
) -> None:
    tea = shop.add_item("Tea", 2).alert_opened
    clock.advance(hours=12)
    coffee = shop.add_item("Coffee", 1).alert_opened
    [coffee_before] = alert_rows(shop, id=coffee)

    # A tenth of the 24-hour interval is allowed for drift: due from 21.6 hours on.
    clock.advance(hours=9.6, microseconds=-1)
    assert daily_check(shop).alerts_reminded == 0
    assert outbox(shop, kind="reminder_digest") == []

    clock.advance(microseconds=1)
    assert daily_check(shop) == report(low=2, opened=0, reminded=1, messages=3, resolved=0)

    [tea_after] = alert_rows(shop, id=tea)
    assert (tea_after.last_notified_at, tea_after.next_reminder_at) == (clock.now, clock.now + DAY)
    [coffee_after] = alert_rows(shop, id=coffee)
    assert coffee_after.last_notified_at == coffee_before.last_notified_at
    assert coffee_after.next_reminder_at == coffee_before.next_reminder_at
    digests = outbox(shop, kind="reminder_digest")
    assert [[entry["item_name"] for entry in row.payload["alerts"]] for row in digests] == [
        ["Tea"]
    ] * 3


def test_a_members_reminders_come_as_one_digest_per_channel_listing_every_item(
    shop: ShopFixture, clock: Clock
) -> None:
    set_channels(shop)
    ids = {}
    for name, quantity in [("Tea", 2), ("Coffee", 0), ("Milk", 4)]:
        ids[name] = shop.add_item(name, quantity).alert_opened
    clock.advance(hours=20)
    remove(shop, "Tea", 1)  # still low: no message now, but the digest shows the current count
    clock.advance(hours=4)

    assert daily_check(shop) == report(low=3, opened=0, reminded=3, messages=4, resolved=0)

    assert who_gets(shop, kind="reminder_digest") == {
        (shop.admin, "telegram", str(shop.admin)),
        (shop.admin, "email", ADMIN_EMAIL),
        (shop.staff[0], "telegram", str(shop.staff[0])),
        (shop.staff[0], "whatsapp", STAFF_WHATSAPP),
    }
    listed = [
        {"alert_id": ids["Coffee"], "item_name": "Coffee", "quantity": 0, "threshold": 5},
        {"alert_id": ids["Milk"], "item_name": "Milk", "quantity": 4, "threshold": 5},
        {"alert_id": ids["Tea"], "item_name": "Tea", "quantity": 1, "threshold": 5},
    ]
    digests = outbox(shop, kind="reminder_digest")
    assert all(row.payload == {"alerts": listed} and row.alert_id is None for row in digests)
    assert len({row.idempotency_key for row in digests}) == 4


def test_running_the_check_twice_at_the_same_time_queues_nothing_more(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Tea", 2)
    shop.add_item("Coffee", 20)
    clock.advance(hours=30)
    behind_its_back(shop, "UPDATE items SET quantity = 1 WHERE name = 'Coffee'")
    assert daily_check(shop) == report(low=2, opened=1, reminded=1, messages=3, resolved=0)
    before = snapshot(shop.db)

    assert daily_check(shop) == report(low=2, opened=0, reminded=0, messages=0, resolved=0)

    assert snapshot(shop.db) == before


def test_reminders_repeat_once_every_interval_while_the_item_stays_low(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Tea", 2)
    reminded = []
    for hours in (24, 12, 12, 20, 2, 24):
        clock.advance(hours=hours)
        reminded.append(daily_check(shop).alerts_reminded)

    assert reminded == [1, 0, 1, 0, 1, 1]
    assert len(outbox(shop, kind="reminder_digest", channel="telegram")) == 4 * 3


@pytest.mark.parametrize("jitter_seconds", [(0.004, -0.002, 0.003, -0.004, 0.001), (90, -75, 30)])
def test_a_check_that_runs_once_a_day_reminds_every_day_however_its_start_drifts(
    shop: ShopFixture, clock: Clock, jitter_seconds: tuple[float, ...]
) -> None:
    shop.add_item("Tea", 2)
    start = clock.now
    reminded = []
    for day, jitter in enumerate(jitter_seconds, start=1):
        # The job starts a little early or late, and stamps the moment it ran.
        clock.now = start + day * DAY + timedelta(seconds=jitter)
        reminded.append(daily_check(shop).alerts_reminded)

    assert reminded == [1] * len(jitter_seconds)


def test_the_spring_forward_day_of_a_check_at_nine_in_berlin_still_reminds(
    shop: ShopFixture, clock: Clock
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    clock.now = datetime(2026, 3, 27, 9, 0, tzinfo=berlin).astimezone(UTC)
    shop.add_item("Tea", 2)
    reminded = []
    for day in (28, 29, 30):  # 29 March 2026 has 23 hours in Berlin
        clock.now = datetime(2026, 3, day, 9, 0, tzinfo=berlin).astimezone(UTC)
        reminded.append(daily_check(shop).alerts_reminded)

    assert reminded == [1, 1, 1]


def test_the_check_report_adds_up(shop: ShopFixture, clock: Clock) -> None:
    for name, quantity in [("Due", 1), ("Back", 2), ("Imported", 30), ("Fine", 9), ("Fresh", 6)]:
        shop.add_item(name, quantity)
    clock.advance(hours=24)
    remove(shop, "Fresh", 3)
    behind_its_back(shop, "UPDATE items SET quantity = 50 WHERE name = 'Back'")
    behind_its_back(shop, "UPDATE items SET quantity = 1 WHERE name = 'Imported'")

    assert check_now(shop) == report(low=3, opened=1, reminded=1, messages=3, resolved=1)

    [digest, *_] = outbox(shop, kind="reminder_digest")
    assert [entry["item_name"] for entry in digest.payload["alerts"]] == ["Due"]


def test_check_now_touches_only_the_admins_shop(shop: ShopFixture, clock: Clock) -> None:
    other = build_shop(shop.db, admin=2000, staff=1)
    for each in (shop, other):
        each.add_item("Tea", 2)
        each.add_item("Coffee", 30)
    clock.advance(hours=24)
    theirs = shop_id(other)
    behind_its_back(
        shop,
        "UPDATE items SET quantity = 1 WHERE name = 'Coffee' AND shop_id = :ours",
        ours=shop_id(shop),
    )
    before = snapshot(shop.db)

    assert check_now(shop) == report(low=2, opened=1, reminded=1, messages=3, resolved=0)

    after = snapshot(shop.db)
    for table in ("items", "alerts", "notifications"):  # the shop id is their second column
        assert [row for row in after[table] if row[1] == theirs] == [
            row for row in before[table] if row[1] == theirs
        ]

    assert daily_check(shop) == report(low=3, opened=0, reminded=1, messages=2, resolved=0)
    their_digests = outbox(other, kind="reminder_digest", shop_id=theirs)
    assert len(their_digests) == 2
    assert all([e["item_name"] for e in row.payload["alerts"]] == ["Tea"] for row in their_digests)


def test_staff_cannot_run_the_check_and_nothing_changes(shop: ShopFixture, clock: Clock) -> None:
    shop.add_item("Tea", 2)
    clock.advance(days=2)
    before = snapshot(shop.db)

    with pytest.raises(NotAllowed, match="Only a shop admin"):
        shop.run(check.check_shop, telegram_user_id=shop.staff[0])

    assert snapshot(shop.db) == before


def test_on_the_real_clock_an_alert_notified_23_hours_ago_is_reminded(pg_db: Database) -> None:
    real_time = Database(pg_db.engine, pg_db.config)  # the default clock: the machine's own
    shop = build_shop(real_time, admin=7000)
    alert_id = shop.add_item("Tea", 2).alert_opened
    behind_its_back(
        shop,
        "UPDATE alerts SET last_notified_at = now() - interval '23 hours' WHERE id = :id",
        id=alert_id,
    )

    assert daily_check(shop).alerts_reminded == 1
    [alert] = alert_rows(shop, id=alert_id)
    assert abs(alert.last_notified_at - datetime.now(UTC)) < timedelta(minutes=1)
