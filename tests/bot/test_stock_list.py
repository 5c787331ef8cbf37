"""/stock: the list, its filters, and paging with inline buttons."""

from __future__ import annotations

from core.stock import changes
from tests.bot.harness import ADMIN, STAFF, Shopfront


def add_items(shopfront: Shopfront, names: list[str], quantity: int = 10) -> None:
    """Create items straight through the core, so a test can have many quickly."""
    for name in names:
        with shopfront.db.unit_of_work() as uow:
            changes.create_item(uow, telegram_user_id=ADMIN, name=name, quantity=quantity)


async def test_stock_lists_items_with_quantity_threshold_and_low_ones_marked(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 24")
    await shopfront.say(ADMIN, "/additem Black tea 2")
    await shopfront.say(ADMIN, "/additem Sugar 0 0")

    reply = await shopfront.say(STAFF, "/stock")

    assert (reply.plain_text or "").splitlines() == [
        "Stock (3)",
        "⚠️ Black tea: 2 (alert below 5)",
        "• Green tea: 24 (alert below 5)",
        "• Sugar: 0 (no alert)",
    ]
    assert reply.reply_markup is None


async def test_stock_low_lists_only_the_low_items(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 24")
    await shopfront.say(ADMIN, "/additem Black tea 2")

    reply = await shopfront.say(ADMIN, "/stock LOW")

    assert (reply.plain_text or "").splitlines() == [
        "Low items (1)",
        "⚠️ Black tea: 2 (alert below 5)",
    ]


async def test_stock_with_text_lists_the_items_whose_name_contains_it(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    add_items(shopfront, ["Green tea", "Black tea", "Coffee", "100% juice"])

    tea = await shopfront.say(ADMIN, "/stock TEA")
    percent = await shopfront.say(ADMIN, "/stock 100%")
    nothing = await shopfront.say(ADMIN, "/stock cocoa")

    assert (tea.plain_text or "").splitlines()[0] == "Items matching “TEA” (2)"
    assert "Coffee" not in (tea.plain_text or "")
    assert (percent.plain_text or "").splitlines()[1:] == ["• 100% juice: 10 (alert below 5)"]
    assert nothing.plain_text == "No item matches “cocoa”."


async def test_a_long_list_pages_with_buttons(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    add_items(shopfront, [f"Item {number:02}" for number in range(1, 46)])

    first = await shopfront.say(ADMIN, "/stock")
    assert (first.plain_text or "").splitlines()[0] == "Stock (45) · page 1 of 3"
    assert "Item 20" in (first.plain_text or "")
    assert "Item 21" not in (first.plain_text or "")
    assert [button["text"] for button in first.buttons] == ["Next »"]

    answer = await shopfront.press(ADMIN, first, "Next")
    second = shopfront.api.current(ADMIN, first.message_id)
    assert "callback_query_id" in answer
    assert "text" not in answer
    assert second["text"].splitlines()[0] == "Stock (45) · page 2 of 3"
    assert "Item 21" in second["text"]
    assert "Item 41" not in second["text"]
    labels = [b["text"] for row in second["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["« Previous", "Next »"]

    await shopfront.press_data(ADMIN, first.message_id, "stock:page:40:a")
    third = shopfront.api.current(ADMIN, first.message_id)
    assert third["text"].splitlines()[0] == "Stock (45) · page 3 of 3"
    assert third["text"].splitlines()[1:] == [
        f"• Item {number}: 10 (alert below 5)" for number in range(41, 46)
    ]


async def test_a_page_button_keeps_the_filter_of_the_list(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    add_items(shopfront, [f"Tea {number:02}" for number in range(1, 26)])
    add_items(shopfront, [f"Coffee {number:02}" for number in range(1, 26)], quantity=1)

    low = await shopfront.say(ADMIN, "/stock low")
    await shopfront.press(ADMIN, low, "Next")
    low_page = shopfront.api.current(ADMIN, low.message_id)["text"]
    tea = await shopfront.say(ADMIN, "/stock tea")
    await shopfront.press(ADMIN, tea, "Next")
    tea_page = shopfront.api.current(ADMIN, tea.message_id)["text"]

    assert low_page.splitlines()[0] == "Low items (25) · page 2 of 2"
    assert "Tea" not in low_page
    assert tea_page.splitlines()[0] == "Items matching “tea” (25) · page 2 of 2"
    assert "Coffee" not in tea_page


async def test_a_search_too_long_for_button_data_still_pages(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    long_name = "Organic first flush darjeeling tea from Castleton estate"
    add_items(shopfront, [f"{long_name} {number:02}" for number in range(1, 23)])

    first = await shopfront.say(ADMIN, f"/stock {long_name}")
    data = first.callback_data("Next")
    await shopfront.press(ADMIN, first, "Next")

    assert len(data.encode()) <= 64
    page = shopfront.api.current(ADMIN, first.message_id)["text"]
    assert page.splitlines()[0].endswith("(22) · page 2 of 2")
    assert f"{long_name} 22" in page


async def test_pressing_a_page_button_twice_is_answered_and_harmless(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    add_items(shopfront, [f"Item {number:02}" for number in range(1, 26)])
    first = await shopfront.say(ADMIN, "/stock")

    await shopfront.press(ADMIN, first, "Next")
    again = await shopfront.press_data(ADMIN, first.message_id, first.callback_data("Next"))

    assert "callback_query_id" in again
    assert shopfront.api.current(ADMIN, first.message_id)["text"].endswith(
        "Item 25: 10 (alert below 5)"
    )


async def test_an_empty_shop_says_how_to_add_the_first_item(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/stock")
    low = await shopfront.say(ADMIN, "/stock low")

    assert reply.plain_text == "No items yet. Add one: /additem Green tea 24"
    assert low.plain_text == "Nothing is low. 🎉"
