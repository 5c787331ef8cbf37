"""Handling an open alert (SPEC 2.8): "I'm on it", and whom its reminders reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.alerts import check, handling, lifecycle
from core.errors import InvalidInput, NotFound
from core.results import AckChange, AlertView
from core.shops import zones
from core.stock import changes
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot

STAFF_A, STAFF_B = 1001, 1002


def ack(shop: ShopFixture, user: int, alert_id: int) -> AckChange:
    return shop.run(handling.ack_alert, telegram_user_id=user, alert_id=alert_id)


def digest_items(shop: ShopFixture) -> dict[str, list[str]]:
    """The items of each Telegram chat's reminder digest."""
    return {
        row.recipient: [entry["item_name"] for entry in row.payload["alerts"]]
        for row in shop.notifications(kind="reminder_digest", channel="telegram")
    }


def test_ack_records_who_is_on_the_alert_and_another_member_may_take_it_over(
    shop: ShopFixture,
) -> None:
    alert_id = shop.add_item("Green tea", 2).alert_opened

    first = ack(shop, STAFF_A, alert_id)
    second = shop.run(handling.ack_alert, telegram_user_id=STAFF_B, item_name="green TEA")

    assert (first.alert.acknowledged_by_name, first.taken_from) == (f"Staff {STAFF_A}", None)
    assert (second.alert.acknowledged_by_name, second.taken_from) == (
        f"Staff {STAFF_B}",
        f"Staff {STAFF_A}",
    )
    assert second.alert.is_open
    assert second.alert.acknowledged_at is not None


def test_reminders_of_a_taken_alert_go_only_to_the_member_on_it_and_the_admins(
    shop: ShopFixture, clock: Clock
) -> None:
    taken = shop.add_item("Green tea", 2).alert_opened
    shop.add_item("Oat milk", 1)
    ack(shop, STAFF_A, taken)
    clock.advance(hours=24)

    shop.run(check.run_check)

    assert digest_items(shop) == {
        str(shop.admin): ["Green tea", "Oat milk"],
        str(STAFF_A): ["Green tea", "Oat milk"],
        str(STAFF_B): ["Oat milk"],
    }


def test_a_member_with_nothing_left_to_be_reminded_of_gets_no_digest(
    shop: ShopFixture, clock: Clock
) -> None:
    taken = shop.add_item("Green tea", 2).alert_opened
    ack(shop, shop.admin, taken)
    clock.advance(hours=24)

    report = shop.run(check.run_check)

    assert digest_items(shop) == {str(shop.admin): ["Green tea"]}
    assert (report.alerts_reminded, report.reminder_messages) == (1, 1)


def test_ack_refuses_twice_resolved_unknown_and_other_shops_alerts_changing_nothing(
    shop: ShopFixture,
) -> None:
    other = build_shop(shop.db, admin=5000)
    theirs = other.add_item("Flour", 1).alert_opened
    mine = shop.add_item("Green tea", 2).alert_opened
    ack(shop, STAFF_A, mine)
    shop.add_item("Sugar", 1)
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Sugar", amount=10)
    resolved = shop.alerts()[-1].id
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match=rf"You are already on alert #{mine}\."):
        ack(shop, STAFF_A, mine)
    with pytest.raises(InvalidInput, match=rf"Alert #{resolved} is already resolved\."):
        ack(shop, STAFF_A, resolved)
    for missing in (theirs, 99999):
        with pytest.raises(NotFound):
            ack(shop, STAFF_A, missing)
    with pytest.raises(NotFound):
        shop.run(handling.ack_alert, telegram_user_id=STAFF_A, item_name="Sugar")

    assert snapshot(shop.db) == before


def snooze(shop: ShopFixture, alert_id: int, duration: str) -> AlertView:
    return shop.run(
        handling.snooze_alert, telegram_user_id=STAFF_A, alert_id=alert_id, duration=duration
    )


def test_a_snoozed_alert_gets_no_reminder_until_its_snooze_is_over(
    shop: ShopFixture, clock: Clock
) -> None:
    snoozed = shop.add_item("Green tea", 2).alert_opened
    shop.add_item("Oat milk", 1)
    done = snooze(shop, snoozed, "2d")
    assert done.snoozed_until == clock.now + timedelta(days=2)

    clock.advance(hours=24)
    shop.run(check.run_check)
    assert digest_items(shop)[str(STAFF_A)] == ["Oat milk"]

    clock.advance(hours=24)
    shop.run(check.run_check)
    reminded = [
        [entry["item_name"] for entry in row.payload["alerts"]]
        for row in shop.notifications(kind="reminder_digest", recipient=str(STAFF_A))
    ]
    assert reminded == [["Oat milk"], ["Green tea", "Oat milk"]]
    assert (
        shop.run(lifecycle.get_alert, telegram_user_id=STAFF_A, alert_id=snoozed).snoozed_until
        is None
    )


def test_snooze_tomorrow_lasts_until_tomorrows_check_on_the_shops_clock(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.run(zones.set_timezone, telegram_user_id=shop.admin, zone="Asia/Kathmandu")
    alert_id = shop.add_item("Green tea", 2).alert_opened
    clock.now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 01:45 on 3 Mar in Kathmandu

    done = snooze(shop, alert_id, "tomorrow")

    assert done.snoozed_until == datetime(2026, 3, 4, 3, 15, tzinfo=UTC)  # 4 Mar 09:00 there


def test_snooze_off_lets_reminders_come_again(shop: ShopFixture, clock: Clock) -> None:
    alert_id = shop.add_item("Green tea", 2).alert_opened
    snooze(shop, alert_id, "1w")

    assert snooze(shop, alert_id, "off").snoozed_until is None
    clock.advance(hours=24)
    shop.run(check.run_check)
    assert digest_items(shop)[str(STAFF_A)] == ["Green tea"]


@pytest.mark.parametrize("duration", ["0h", "91d", "14w", "soon", "-2d", "1y", "", "2"])
def test_snooze_refuses_what_is_not_a_duration_changing_nothing(
    shop: ShopFixture, duration: str
) -> None:
    alert_id = shop.add_item("Green tea", 2).alert_opened
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match="Say for how long"):
        snooze(shop, alert_id, duration)
    assert snapshot(shop.db) == before


def test_snoozing_a_resolved_alert_is_refused(shop: ShopFixture) -> None:
    shop.add_item("Sugar", 1)
    shop.run(changes.add_stock, telegram_user_id=shop.admin, name="Sugar", amount=10)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match=r"Alert #1 is already resolved\."):
        snooze(shop, 1, "2d")
    assert snapshot(shop.db) == before
