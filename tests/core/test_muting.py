"""Muted items (SPEC 2.9): they keep their threshold but never alert until unmuted."""

from __future__ import annotations

import pytest

from core.alerts import check
from core.errors import InvalidInput, NotAllowed, NotFound
from core.results import MuteChange
from core.stock import changes, muting, thresholds
from tests.core.conftest import ShopFixture, snapshot


def mute(shop: ShopFixture, name: str = "Pumpkin spice") -> MuteChange:
    return shop.run(muting.mute_item, telegram_user_id=shop.admin, name=name)


def unmute(shop: ShopFixture, name: str = "Pumpkin spice") -> MuteChange:
    return shop.run(muting.unmute_item, telegram_user_id=shop.admin, name=name)


def test_muting_resolves_the_open_alert_as_muted_and_sends_no_back_in_stock(
    shop: ShopFixture,
) -> None:
    opened = shop.add_item("Pumpkin spice", 2).alert_opened
    queued = len(shop.notifications())

    change = mute(shop)

    assert change.alert_resolved == opened
    assert change.item.muted
    [alert] = shop.alerts()
    assert (alert.resolution, alert.resolved_at is not None) == ("muted", True)
    assert len(shop.notifications()) == queued


def test_a_muted_item_never_alerts_on_changes_thresholds_or_the_daily_check(
    shop: ShopFixture,
) -> None:
    shop.add_item("Pumpkin spice", 10)
    mute(shop)

    removed = shop.run(
        changes.remove_stock, telegram_user_id=shop.admin, name="Pumpkin spice", amount=8
    )
    shop.run(changes.set_quantity, telegram_user_id=shop.admin, name="Pumpkin spice", quantity=0)
    shop.run(
        thresholds.set_item_threshold,
        telegram_user_id=shop.admin,
        name="Pumpkin spice",
        threshold=50,
    )
    report = shop.run(check.run_check)

    assert removed.alert_opened is None
    assert report.alerts_opened == 0
    assert shop.alerts() == []
    assert shop.notifications() == []


def test_unmuting_a_low_item_raises_its_alert_at_once_and_tells_the_shop(
    shop: ShopFixture,
) -> None:
    shop.add_item("Pumpkin spice", 10)
    mute(shop)
    shop.run(changes.remove_stock, telegram_user_id=shop.admin, name="Pumpkin spice", amount=9)

    change = unmute(shop)

    assert not change.item.muted
    [alert] = shop.alerts()
    assert change.alert_opened == alert.id
    assert alert.resolved_at is None
    assert {row.kind for row in shop.notifications()} == {"alert"}
    assert len(shop.notifications()) == 3  # the admin and two staff, on Telegram


def test_unmuting_an_item_that_is_not_low_raises_nothing(shop: ShopFixture) -> None:
    shop.add_item("Pumpkin spice", 10)
    mute(shop)

    assert unmute(shop).alert_opened is None
    assert shop.alerts() == []


def test_muting_twice_unmuting_what_is_not_muted_staff_and_unknown_items_change_nothing(
    shop: ShopFixture,
) -> None:
    shop.add_item("Pumpkin spice", 2)
    mute(shop)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput, match=r"Pumpkin spice is already muted\."):
        mute(shop, "pumpkin SPICE")
    with pytest.raises(NotAllowed):
        shop.run(muting.unmute_item, telegram_user_id=shop.staff[0], name="Pumpkin spice")
    with pytest.raises(NotFound):
        mute(shop, "Nutmeg")
    assert snapshot(shop.db) == before

    unmute(shop)
    with pytest.raises(InvalidInput, match=r"Pumpkin spice is not muted\."):
        unmute(shop)
