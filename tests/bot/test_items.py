"""Items and quantities: /additem (with its conversation), /set, /add, /remove, /item, /delitem."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront


async def test_additem_creates_an_item_with_a_name_with_spaces(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    reply = await shopfront.say(STAFF, "/additem Green tea 24")

    assert reply.plain_text == "✅ Added Green tea: 24 in stock, alerts below 5 (shop default)."
    assert shopfront.sql("SELECT name, quantity, threshold FROM items") == [("Green tea", 24, None)]
    assert shopfront.sql("SELECT reason, delta, quantity_after FROM movements") == [
        ("create", 24, 24)
    ]


async def test_additem_takes_an_own_threshold_after_the_quantity(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/additem Jasmine green tea 1,0 3")
    assert "whole number" in (reply.plain_text or "")
    reply = await shopfront.say(ADMIN, "/additem Jasmine green tea 10 3")

    assert "Added Jasmine green tea: 10 in stock, alerts below 3 (own)" in (reply.plain_text or "")
    assert shopfront.sql("SELECT name, quantity, threshold FROM items") == [
        ("Jasmine green tea", 10, 3)
    ]


async def test_a_quoted_name_may_end_in_a_number(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    await shopfront.say(ADMIN, '/additem "Pack of 12" 5')
    reply = await shopfront.say(ADMIN, '/add "pack of 12" 2')

    assert "Received 2 Pack of 12: 7 in stock." in (reply.plain_text or "")
    assert shopfront.quantity("Pack of 12") == 7


async def test_additem_without_arguments_asks_for_the_name_then_the_quantity(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()

    assert "What is the new item called?" in (await shopfront.say(ADMIN, "/additem")).plain_text
    question = await shopfront.say(ADMIN, "Earl Grey")
    assert "How many Earl Grey are in stock now?" in (question.plain_text or "")
    again = await shopfront.say(ADMIN, "lots")
    assert "The quantity must be a whole number, not “lots”. Send it again, or /cancel." in (
        again.plain_text or ""
    )
    assert shopfront.quantity("Earl Grey") is None
    done = await shopfront.say(ADMIN, "12")

    assert "Added Earl Grey: 12 in stock" in (done.plain_text or "")
    assert shopfront.quantity("Earl Grey") == 12
    after = await shopfront.say(ADMIN, "13")
    assert "I work with commands" in (after.plain_text or "")
    assert shopfront.quantity("Earl Grey") == 12


async def test_additem_with_only_a_name_asks_for_the_quantity(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    question = await shopfront.say(ADMIN, "/additem Oat milk")
    assert "How many Oat milk are in stock now?" in (question.plain_text or "")
    await shopfront.say(ADMIN, "8 2")

    assert shopfront.sql("SELECT name, quantity, threshold FROM items") == [("Oat milk", 8, 2)]


async def test_cancel_leaves_the_additem_conversation_without_creating_anything(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem")
    await shopfront.say(ADMIN, "Rooibos")

    reply = await shopfront.say(ADMIN, "/cancel")
    later = await shopfront.say(ADMIN, "5")

    assert reply.plain_text == "Cancelled: nothing was changed."
    assert "I work with commands" in (later.plain_text or "")
    assert shopfront.sql("SELECT count(*) FROM items") == [(0,)]


async def test_another_command_leaves_the_additem_conversation(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Rooibos")

    await shopfront.say(ADMIN, "/stock")
    later = await shopfront.say(ADMIN, "5")

    assert "I work with commands" in (later.plain_text or "")
    assert shopfront.sql("SELECT count(*) FROM items") == [(0,)]


async def test_the_additem_conversation_refuses_a_name_already_taken(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 4")
    await shopfront.say(ADMIN, "/additem")

    reply = await shopfront.say(ADMIN, "GREEN  tea")

    assert "There is already an item called GREEN tea. Another name?" in (reply.plain_text or "")
    assert shopfront.sql("SELECT name, quantity FROM items") == [("Green tea", 4)]


async def test_adding_an_item_twice_in_any_case_is_refused(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 4")
    before = shopfront.state()

    reply = await shopfront.say(ADMIN, "/additem green TEA 9")

    assert "There is already an item called “green TEA”." in (reply.plain_text or "")
    assert shopfront.state() == before


async def test_set_records_a_stocktake(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(STAFF, "/additem Green tea 24")

    reply = await shopfront.say(STAFF, "/set green tea 18")

    assert reply.plain_text == "✅ Counted Green tea: 18 in stock (was 24)."
    assert shopfront.quantity("Green tea") == 18
    assert shopfront.sql("SELECT reason, delta FROM movements ORDER BY id DESC LIMIT 1") == [
        ("set", -6)
    ]


async def test_add_receives_stock_with_case_and_spacing_ignored(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(STAFF, "/additem Green tea 24")

    reply = await shopfront.say(STAFF, "/add   GREEN    tea   1000")

    assert reply.plain_text == "✅ Received 1,000 Green tea: 1,024 in stock."
    assert shopfront.quantity("Green tea") == 1024


async def test_remove_takes_stock_out_and_raises_an_alert_when_low(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(STAFF, "/additem Green tea 24")

    reply = await shopfront.say(STAFF, "/remove Green tea 21")

    assert (reply.plain_text or "").splitlines() == [
        "✅ Took out 21 Green tea: 3 left.",
        "⚠️ Low: 3 left, below the threshold of 5. Alert #1 is raised and the shop is told.",
    ]
    assert shopfront.sql("SELECT quantity, threshold, resolved_at FROM alerts") == [(3, 5, None)]


async def test_removing_more_than_in_stock_changes_nothing(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(STAFF, "/additem Green tea 3")
    before = shopfront.state()

    reply = await shopfront.say(STAFF, "/remove Green tea 4")

    assert reply.plain_text == "⚠️ Only 3 of “Green tea” in stock: cannot take out 4."
    assert shopfront.state() == before


async def test_restocking_above_the_threshold_resolves_the_alert(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(STAFF, "/additem Green tea 2")

    reply = await shopfront.say(STAFF, "/add Green tea 10")

    assert "Alert #1 is resolved: back in stock." in (reply.plain_text or "")
    assert shopfront.sql("SELECT resolution FROM alerts") == [("restocked",)]


async def test_item_shows_quantity_threshold_open_alert_and_last_changes(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 24")
    await shopfront.say(STAFF, "/remove Green tea 22")

    reply = await shopfront.say(STAFF, "/item green tea")

    assert (reply.plain_text or "").splitlines() == [
        "Green tea",
        "In stock: ⚠️ 2 left, below the threshold of 5",
        "Alerts below 5 (shop default)",
        "Open alert: #1, raised 2 Mar 08:00",
        "Last changes:",
        "• 2 Mar 08:00 taken out -22 → 2 by Sam",
        "• 2 Mar 08:00 created +24 → 24 by Ann",
    ]


async def test_item_of_an_unknown_name_is_not_found(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/item Dragon well")

    assert reply.plain_text == "⚠️ There is no item called “Dragon well”."


async def test_delitem_deletes_the_item_and_resolves_its_alert(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 2")

    reply = await shopfront.say(ADMIN, "/delitem green tea")

    assert (reply.plain_text or "").splitlines() == [
        "🗑 Deleted Green tea (had 2).",
        "Its alert #1 is resolved.",
    ]
    assert shopfront.quantity("Green tea") is None
    assert shopfront.sql("SELECT resolution FROM alerts") == [("deleted",)]
    stock = await shopfront.say(ADMIN, "/stock")
    assert "No items yet." in (stock.plain_text or "")


async def test_an_edited_command_is_not_applied_again(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 24")
    sent = shopfront.send(ADMIN, "/remove Green tea 3")
    await shopfront.api.await_message(ADMIN, contains="Took out 3")
    before = shopfront.state()

    marker = shopfront.api.mark()
    shopfront.api.send_edited_message(ADMIN, sent["message"]["message_id"], "/remove Green tea 30")
    reply = await shopfront.api.await_message(ADMIN, after=marker)

    assert "I don't act on edited messages" in (reply.plain_text or "")
    assert shopfront.state() == before
    assert shopfront.quantity("Green tea") == 21


async def test_a_name_already_taken_asks_for_another_one(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 4")

    taken = await shopfront.say(ADMIN, "/additem green tea")
    question = await shopfront.say(ADMIN, "Green tea, loose")
    await shopfront.say(ADMIN, "7")

    assert "There is already an item called green tea. Another name?" in (taken.plain_text or "")
    assert "How many Green tea, loose are in stock now?" in (question.plain_text or "")
    assert shopfront.sql("SELECT name, quantity FROM items ORDER BY id") == [
        ("Green tea", 4),
        ("Green tea, loose", 7),
    ]


async def test_mute_silences_an_item_that_stock_and_item_show_as_muted_until_unmute(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Pumpkin spice 2")

    muted = await shopfront.say(ADMIN, "/mute pumpkin spice")
    listing = await shopfront.say(STAFF, "/stock")
    details = await shopfront.say(STAFF, "/item Pumpkin spice")
    refused = await shopfront.say(STAFF, "/unmute Pumpkin spice")
    unmuted = await shopfront.say(ADMIN, "/unmute Pumpkin spice")

    assert (muted.plain_text or "").splitlines() == [
        "🔕 Pumpkin spice is muted: it keeps its threshold but never alerts.",
        "Its alert #1 is resolved.",
        "/unmute Pumpkin spice turns its alerts back on.",
    ]
    assert "🔕 Pumpkin spice: 2 (alert below 5, muted)" in (listing.plain_text or "")
    assert "Muted: never alerts (threshold 5)" in (details.plain_text or "")
    assert "Only a shop admin can do that." in (refused.plain_text or "")
    assert (unmuted.plain_text or "").splitlines() == [
        "🔔 Pumpkin spice alerts again, below 5.",
        "⚠️ Low: 2 left, below the threshold of 5. Alert #2 is raised and the shop is told.",
    ]
