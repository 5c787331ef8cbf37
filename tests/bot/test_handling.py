"""/ack through the bot: who is on an alert, as /alerts and /alert show it."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront


async def test_ack_takes_an_alert_and_alerts_and_alert_show_who_is_on_it(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")

    taken = await shopfront.say(STAFF, "/ack green tea")
    listing = await shopfront.say(ADMIN, "/alerts")
    details = await shopfront.say(ADMIN, "/alert 1")
    item = await shopfront.say(STAFF, "/item Green tea")
    again = await shopfront.say(ADMIN, "/ack 1")

    assert taken.plain_text == (
        "🙋 You are on alert #1 for Green tea: its reminders go to you and the shop's admins now."
    )
    assert "#1 Green tea: 2 left, below the threshold of 5 · since 2 Mar 08:00 · 🙋 Sam" in (
        listing.plain_text or ""
    )
    assert "🙋 Sam is on it since 2 Mar 08:00" in (details.plain_text or "")
    assert "Open alert: #1, raised 2 Mar 08:00 · 🙋 Sam" in (item.plain_text or "")
    assert "(it was Sam's)" in (again.plain_text or "")


async def test_ack_refuses_what_it_cannot_take_changing_nothing(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    await shopfront.say(STAFF, "/ack 1")
    before = shopfront.state()

    twice = await shopfront.say(STAFF, "/ack 1")
    missing = await shopfront.say(STAFF, "/ack 42")
    no_alert = await shopfront.say(STAFF, "/ack Oat milk")
    empty = await shopfront.say(STAFF, "/ack")

    assert "You are already on alert #1." in (twice.plain_text or "")
    assert "Alert #42 was not found." in (missing.plain_text or "")
    assert "There is no item called “Oat milk”." in (no_alert.plain_text or "")
    assert "Usage: /ack ID or /ack NAME, e.g. /ack 12" in (empty.plain_text or "")
    assert shopfront.state() == before


async def test_snooze_silences_an_alerts_reminders_until_then_and_off_ends_it(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")

    snoozed = await shopfront.say(STAFF, "/snooze green tea 2d")
    listing = await shopfront.say(STAFF, "/alerts")
    details = await shopfront.say(STAFF, "/alert 1")
    ended = await shopfront.say(STAFF, "/snooze 1 off")

    assert snoozed.plain_text == "💤 No reminders of alert #1 for Green tea until 4 Mar 08:00."
    assert "· 💤 until 4 Mar 08:00" in (listing.plain_text or "")
    assert "💤 No reminders until 4 Mar 08:00" in (details.plain_text or "")
    assert ended.plain_text == "🔔 Reminders of alert #1 for Green tea are on again."
    assert shopfront.sql("SELECT snoozed_until FROM alerts") == [(None,)]


async def test_snooze_refuses_a_missing_or_bad_duration_changing_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    before = shopfront.state(), shopfront.sql("SELECT snoozed_until FROM alerts")

    bad = await shopfront.say(STAFF, "/snooze 1 forever")
    alone = await shopfront.say(STAFF, "/snooze 1")

    assert "Say for how long: 30m, 4h, 2d, 1w or tomorrow (at most 90 days), or off." in (
        bad.plain_text or ""
    )
    assert "Say which alert and for how long." in (alone.plain_text or "")
    assert "Usage: /snooze ID|NAME 4h|2d|tomorrow|off, e.g. /snooze 12 2d" in (
        alone.plain_text or ""
    )
    assert (shopfront.state(), shopfront.sql("SELECT snoozed_until FROM alerts")) == before


async def test_stock_and_item_show_who_is_on_an_alert_and_that_it_is_snoozed(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    await shopfront.say(ADMIN, "/additem Oat milk 1")
    await shopfront.say(STAFF, "/ack Green tea")
    await shopfront.say(STAFF, "/snooze Oat milk 1d")

    listing = (await shopfront.say(ADMIN, "/stock")).plain_text or ""
    details = (await shopfront.say(ADMIN, "/item Oat milk")).plain_text or ""

    assert "⚠️ Green tea: 2 (alert below 5) · 🙋 Sam" in listing
    assert "⚠️ Oat milk: 1 (alert below 5) · 💤 snoozed" in listing
    assert "Open alert: #2, raised 2 Mar 08:00 · 💤 until 3 Mar 08:00" in details
