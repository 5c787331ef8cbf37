"""Shops are tenants: a user never sees or changes another shop's items or alerts."""

from __future__ import annotations

import pytest

from tests.bot.harness import ADMIN, OTHER_ADMIN, Shopfront


@pytest.fixture
async def two_shops(shopfront: Shopfront) -> Shopfront:
    """Ann's shop with Green tea (low, alert #1); Olga's shop with Coffee."""
    await shopfront.open_shop(ADMIN)
    await shopfront.say(ADMIN, "/additem Green tea 2")
    await shopfront.open_shop(OTHER_ADMIN)
    await shopfront.say(OTHER_ADMIN, "/additem Coffee 30")
    return shopfront


async def test_another_shops_items_are_not_listed(two_shops: Shopfront) -> None:
    stock = await two_shops.say(OTHER_ADMIN, "/stock")
    low = await two_shops.say(OTHER_ADMIN, "/stock low")
    search = await two_shops.say(OTHER_ADMIN, "/stock tea")
    alerts = await two_shops.say(OTHER_ADMIN, "/alerts all")

    assert (stock.plain_text or "").splitlines() == ["Stock (1)", "• Coffee: 30 (alert below 5)"]
    assert low.plain_text == "Nothing is low. 🎉"
    assert search.plain_text == "No item matches “tea”."
    assert alerts.plain_text == "No alerts yet."


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ("/item Green tea", "⚠️ There is no item called “Green tea”."),
        ("/add Green tea 5", "⚠️ There is no item called “Green tea”."),
        ("/remove Green tea 1", "⚠️ There is no item called “Green tea”."),
        ("/set Green tea 0", "⚠️ There is no item called “Green tea”."),
        ("/delitem Green tea", "⚠️ There is no item called “Green tea”."),
        ("/threshold Green tea 1", "⚠️ There is no item called “Green tea”."),
        ("/alert 1", "⚠️ Alert #1 was not found."),
        ("/resolve 1", "⚠️ Alert #1 was not found."),
        ("/resolve Green tea", "⚠️ There is no item called “Green tea”."),
    ],
)
async def test_another_shops_item_or_alert_is_not_found_and_untouched(
    two_shops: Shopfront, message: str, answer: str
) -> None:
    before = two_shops.state()

    reply = await two_shops.say(OTHER_ADMIN, message)

    assert reply.plain_text == answer
    assert two_shops.state() == before


async def test_the_same_name_in_two_shops_is_two_items(two_shops: Shopfront) -> None:
    await two_shops.say(OTHER_ADMIN, "/additem Green tea 40")
    await two_shops.say(OTHER_ADMIN, "/remove Green tea 1")

    assert two_shops.sql("SELECT name, quantity FROM items ORDER BY id") == [
        ("Green tea", 2),
        ("Coffee", 30),
        ("Green tea", 39),
    ]
