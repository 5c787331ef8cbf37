"""Escalation (SPEC 2.11): an alert nobody handled in time goes to the admins, once."""

from __future__ import annotations

import pytest

from core.alerts import escalation, handling
from core.db.session import Database
from core.errors import InvalidInput, NotAllowed
from core.stock import changes, orders
from tests.conftest import Clock
from tests.core.conftest import ShopFixture, build_shop, snapshot
from tests.core.test_concurrency import service, together


def escalate_after(shop: ShopFixture, duration: str) -> None:
    shop.run(escalation.set_escalation, telegram_user_id=shop.admin, duration=duration)


def escalations(shop: ShopFixture) -> list[tuple[str, int]]:
    """(recipient, alert) of every escalation queued to this shop's members."""
    members = {str(shop.admin), *map(str, shop.staff)}
    rows = shop.notifications(kind="escalation")
    return [(row.recipient, row.alert_id) for row in rows if row.recipient in members]


def test_an_alert_nobody_handles_in_time_goes_to_the_admins_once(
    shop: ShopFixture, clock: Clock
) -> None:
    escalate_after(shop, "4h")
    alert_id = shop.add_item("Green tea", 2).alert_opened

    clock.advance(hours=3, minutes=59)
    assert shop.run(escalation.run_escalations) == 0
    clock.advance(minutes=1)
    assert shop.run(escalation.run_escalations) == 1
    clock.advance(hours=5)
    assert shop.run(escalation.run_escalations) == 0

    assert escalations(shop) == [(str(shop.admin), alert_id)]
    [row] = shop.notifications(kind="escalation")
    assert row.payload["unhandled_seconds"] == 4 * 3600


def test_an_alert_taken_ordered_or_resolved_in_time_is_not_escalated(
    shop: ShopFixture, clock: Clock
) -> None:
    escalate_after(shop, "1h")
    taken = shop.add_item("Green tea", 2).alert_opened
    shop.add_item("Oat milk", 1)
    shop.add_item("Sugar", 1)
    shop.run(handling.ack_alert, telegram_user_id=shop.staff[0], alert_id=taken)
    shop.run(orders.order_item, telegram_user_id=shop.staff[0], name="Oat milk")
    shop.run(changes.add_stock, telegram_user_id=shop.staff[0], name="Sugar", amount=10)
    clock.advance(hours=2)

    assert shop.run(escalation.run_escalations) == 0
    assert escalations(shop) == []


def test_escalation_is_off_until_an_admin_turns_it_on_and_off_turns_it_off(
    shop: ShopFixture, clock: Clock
) -> None:
    shop.add_item("Green tea", 2)
    clock.advance(days=3)
    assert shop.run(escalation.run_escalations) == 0

    escalate_after(shop, "2d")
    escalate_after(shop, "off")
    assert shop.run(escalation.get_escalation, telegram_user_id=shop.admin).after is None
    assert shop.run(escalation.run_escalations) == 0


@pytest.mark.parametrize("duration", ["10m", "15d", "soon", "", "4", "-1h"])
def test_escalate_refuses_what_is_not_a_duration_and_staff_changing_nothing(
    shop: ShopFixture, duration: str
) -> None:
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match="Say after how long"):
        escalate_after(shop, duration)
    with pytest.raises(NotAllowed):
        shop.run(escalation.set_escalation, telegram_user_id=shop.staff[0], duration="4h")
    assert snapshot(shop.db) == before


def test_escalations_of_four_processes_at_once_send_each_alert_once(
    pg_db: Database, clock: Clock
) -> None:
    shops = [build_shop(pg_db, admin=admin, staff=0) for admin in (1000, 2000)]
    for shop in shops:
        escalate_after(shop, "30m")
        shop.add_item("Green tea", 2)
    clock.advance(hours=1)

    counts = together([service(shops[0], escalation.run_escalations) for _ in range(4)])

    assert sum(counts) == 2
    assert [len(escalations(shop)) for shop in shops] == [1, 1]
