"""/ordered and /received through the bot, and what is on order where items show."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront


async def test_ordered_records_an_order_that_item_stock_and_received_show(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")

    ordered = await shopfront.say(STAFF, "/ordered Green tea 48 fri")
    details = await shopfront.say(STAFF, "/item Green tea")
    listing = await shopfront.say(STAFF, "/stock")
    alerts = await shopfront.say(STAFF, "/alerts")
    alert = await shopfront.say(STAFF, "/alert 1")
    received = await shopfront.say(STAFF, "/received Green tea 30")

    assert (ordered.plain_text or "").splitlines() == [
        "📦 48 Green tea on order, due Fri 6 Mar.",
        "Alert #1 waits for it: no reminders before then, and after it they say the order is late.",
        "When it arrives: /received Green tea N",
    ]
    assert "📦 48 on order, due Fri 6 Mar" in (details.plain_text or "")
    assert "since 2 Mar 08:00 · 📦 48 on order, due Fri 6 Mar" in (alerts.plain_text or "")
    assert "📦 48 on order, due Fri 6 Mar" in (alert.plain_text or "")
    assert "Green tea: 2 (alert below 5) · 📦 48 on order, due Fri 6 Mar" in (
        listing.plain_text or ""
    )
    assert (received.plain_text or "").splitlines() == [
        "✅ Received 30 Green tea: 32 in stock.",
        "📦 18 on order, due Fri 6 Mar.",
        "Alert #1 is resolved: back in stock.",
    ]


async def test_ordered_takes_defaults_and_off_cancels(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Oat milk 1")

    ordered = await shopfront.say(STAFF, "/ordered oat milk")
    cancelled = await shopfront.say(STAFF, "/ordered Oat milk off")

    assert (ordered.plain_text or "").startswith("📦 9 Oat milk on order, due Thu 5 Mar.")
    assert (cancelled.plain_text or "").splitlines() == [
        "The order for Oat milk is cancelled: nothing is on order.",
        "Alert #1 is reminded again.",
    ]
    assert shopfront.sql("SELECT on_order, order_due FROM items") == [(0, None)]


async def test_ordered_refuses_bad_input_changing_nothing(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    before = shopfront.state(), shopfront.sql("SELECT on_order FROM items")

    replies = [
        await shopfront.say(STAFF, text)
        for text in (
            "/ordered",
            "/ordered Green tea 0",
            "/ordered Green tea 48 2020-01-01",
            "/ordered Nutmeg 4",
            "/ordered Green tea off",
        )
    ]

    texts = [reply.plain_text or "" for reply in replies]
    assert "Usage: /ordered NAME [QTY] [DATE] or /ordered NAME off" in texts[0]
    assert "The amount must be at least 1." in texts[1]
    assert "Say when it is due: fri, 2026-12-05, 3d, 2w or tomorrow (within a year)." in texts[2]
    assert "There is no item called “Nutmeg”." in texts[3]
    assert "Nothing is on order for Green tea." in texts[4]
    assert (shopfront.state(), shopfront.sql("SELECT on_order FROM items")) == before
