"""Alerts: /alerts, /alert, /resolve, and the Resolve and Restock buttons on alert messages."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.stock import changes
from tests.bot.harness import ADMIN, OTHER_ADMIN, STAFF, Shopfront
from tests.fakes.telegram_api import SentMessage


async def low_item(shopfront: Shopfront, name: str = "Green tea", quantity: int = 2) -> int:
    """An item below the default threshold of 5; returns its alert's id."""
    await shopfront.say(ADMIN, f"/additem {name} {quantity}")
    rows = shopfront.sql(
        "SELECT a.id FROM alerts a JOIN items i ON i.id = a.item_id WHERE i.name = :n", n=name
    )
    return int(rows[-1][0])


async def push_alert(shopfront: Shopfront, chat_id: int, alert_id: int) -> SentMessage:
    """Put an alert message with its buttons in a chat, as the delivery relay does."""
    marker = shopfront.api.mark()
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Resolve", callback_data=f"alert:resolve:{alert_id}"),
                InlineKeyboardButton("Restock", callback_data=f"alert:restock:{alert_id}"),
            ]
        ]
    )
    await shopfront.app.bot.send_message(
        chat_id,
        f"⚠️ <b>Low stock: Green tea</b>\nGreen tea: 2 left, below the threshold of 5.\n"
        f"Alert #{alert_id}",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    return await shopfront.api.await_message(chat_id, after=marker)


def alert_row(shopfront: Shopfront, alert_id: int) -> tuple[object, ...]:
    rows = shopfront.sql(
        "SELECT resolution, resolved_by IS NOT NULL FROM alerts WHERE id = :id", id=alert_id
    )
    return tuple(rows[0])


async def test_alerts_lists_the_open_alerts(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await low_item(shopfront, "Green tea", 2)
    await low_item(shopfront, "Milk", 0)

    reply = await shopfront.say(STAFF, "/alerts")

    assert (reply.plain_text or "").splitlines() == [
        "Open alerts (2)",
        "⚠️ #2 Milk: out of stock, below the threshold of 5 · since 2 Mar 08:00",
        "⚠️ #1 Green tea: 2 left, below the threshold of 5 · since 2 Mar 08:00",
        "Details: /alert ID · close one: /resolve ID",
    ]


async def test_alerts_all_includes_the_resolved_ones(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await low_item(shopfront, "Green tea", 2)
    await low_item(shopfront, "Milk", 0)
    await shopfront.say(STAFF, "/add Milk 10")

    open_only = await shopfront.say(STAFF, "/alerts")
    history = await shopfront.say(STAFF, "/alerts all")

    assert "Milk" not in (open_only.plain_text or "")
    assert (history.plain_text or "").splitlines()[:3] == [
        "Alerts: 1 open, latest 2 shown",
        "⚠️ #1 Green tea: 2 left, below the threshold of 5 · since 2 Mar 08:00",
        "✅ #2 Milk: resolved 2 Mar 08:00, restocked by Sam",
    ]


async def test_no_open_alerts_is_said_plainly(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/alerts")

    assert reply.plain_text == "No open alerts. 🎉"


async def test_alert_shows_one_alerts_details(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)

    reply = await shopfront.say(STAFF, f"/alert #{alert_id}")

    assert (reply.plain_text or "").splitlines() == [
        "Alert #1 · Green tea · open",
        "Raised 2 Mar 08:00: 2 left, below the threshold of 5",
        "Now: 2 in stock",
        "Last told 2 Mar 08:00, next reminder 3 Mar 08:00",
        "Close it: /resolve 1",
    ]


async def test_resolve_by_id_closes_the_alert_by_hand(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)

    reply = await shopfront.say(STAFF, f"/resolve {alert_id}")

    assert (reply.plain_text or "").startswith("✅ Alert #1 for Green tea is resolved.")
    assert alert_row(shopfront, alert_id) == ("manual", True)


async def test_resolve_by_item_name_closes_its_open_alert(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)

    await shopfront.say(STAFF, "/resolve GREEN tea")

    assert alert_row(shopfront, alert_id) == ("manual", True)


async def test_resolving_an_alert_twice_says_so_and_changes_nothing(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    await shopfront.say(STAFF, f"/resolve {alert_id}")
    before = shopfront.state()

    by_id = await shopfront.say(ADMIN, f"/resolve {alert_id}")
    by_name = await shopfront.say(ADMIN, "/resolve Green tea")

    assert by_id.plain_text == "⚠️ Alert #1 is already resolved."
    assert by_name.plain_text == "⚠️ “Green tea” has no open alert."
    assert shopfront.state() == before


async def test_the_resolve_button_resolves_and_marks_the_message(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    message = await push_alert(shopfront, STAFF, alert_id)

    answer = await shopfront.press(STAFF, message, "Resolve")

    assert answer["text"] == "Alert #1 resolved."
    after = shopfront.api.current(STAFF, message.message_id)
    assert after["text"].endswith("✅ #1 Green tea: resolved 2 Mar 08:00, by hand by Sam")
    assert after["text"].startswith("⚠️ Low stock: Green tea")
    assert "reply_markup" not in after
    assert {"type": "bold", "offset": 3, "length": 20} in after["entities"]
    assert alert_row(shopfront, alert_id) == ("manual", True)


async def test_the_resolve_button_pressed_twice_is_answered_and_harmless(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    staff_copy = await push_alert(shopfront, STAFF, alert_id)
    admin_copy = await push_alert(shopfront, ADMIN, alert_id)
    await shopfront.press(STAFF, staff_copy, "Resolve")
    before = shopfront.state()

    again = await shopfront.press_data(STAFF, staff_copy.message_id, f"alert:resolve:{alert_id}")
    other = await shopfront.press(ADMIN, admin_copy, "Resolve")

    assert again["text"] == "Alert #1 was already resolved."
    assert other["text"] == "Alert #1 was already resolved."
    assert shopfront.api.current(ADMIN, admin_copy.message_id)["text"].endswith("by hand by Sam")
    assert shopfront.state() == before


async def test_a_button_of_another_shops_alert_is_not_found_and_harmless(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    alert_id = await low_item(shopfront)
    await shopfront.open_shop(OTHER_ADMIN)
    message = await push_alert(shopfront, OTHER_ADMIN, alert_id)
    before = shopfront.state()

    resolve = await shopfront.press(OTHER_ADMIN, message, "Resolve")
    restock = await shopfront.press(OTHER_ADMIN, message, "Restock")
    reply = await shopfront.say(OTHER_ADMIN, "3")

    assert resolve["text"] == restock["text"] == "Alert #1 was not found."
    assert resolve["show_alert"] is True
    assert "I work with commands" in (reply.plain_text or "")
    assert shopfront.state() == before


async def test_the_restock_button_asks_the_amount_and_adds_it(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    message = await push_alert(shopfront, STAFF, alert_id)

    marker = shopfront.api.mark()
    answer = await shopfront.press(STAFF, message, "Restock")
    question = await shopfront.api.await_message(STAFF, after=marker)
    assert answer["text"] == "How many Green tea arrived?"
    assert "How many Green tea arrived? Send a number" in (question.plain_text or "")
    wrong = await shopfront.say(STAFF, "a box")
    assert "The amount must be a whole number, not “a box”. Send it again, or /cancel." in (
        wrong.plain_text or ""
    )
    done = await shopfront.say(STAFF, "12")

    assert (done.plain_text or "").splitlines() == [
        "✅ Received 12 Green tea: 14 in stock.",
        "Alert #1 is resolved: back in stock.",
    ]
    assert shopfront.quantity("Green tea") == 14
    assert alert_row(shopfront, alert_id) == ("restocked", True)


async def test_cancel_leaves_a_restock_without_changing_stock(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    message = await push_alert(shopfront, STAFF, alert_id)
    await shopfront.press(STAFF, message, "Restock")
    before = shopfront.state()

    reply = await shopfront.say(STAFF, "/cancel")
    later = await shopfront.say(STAFF, "12")

    assert reply.plain_text == "Cancelled: nothing was changed."
    assert "I work with commands" in (later.plain_text or "")
    assert shopfront.state() == before


async def test_restock_of_a_resolved_alert_is_answered_and_asks_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    alert_id = await low_item(shopfront)
    message = await push_alert(shopfront, STAFF, alert_id)
    await shopfront.say(ADMIN, "/add Green tea 10")
    before = shopfront.state()

    answer = await shopfront.press(STAFF, message, "Restock")
    later = await shopfront.say(STAFF, "12")

    assert answer["text"] == "Alert #1 is already resolved: nothing to restock for it."
    assert shopfront.api.current(STAFF, message.message_id)["text"].endswith("restocked by Ann")
    assert "I work with commands" in (later.plain_text or "")
    assert shopfront.state() == before


async def test_a_button_the_bot_does_not_know_is_answered(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    message = await push_alert(shopfront, ADMIN, 1)

    unknown = await shopfront.press_data(ADMIN, message.message_id, "order:cancel:1")
    malformed = await shopfront.press_data(ADMIN, message.message_id, "alert:resolve:x")

    assert unknown["text"] == "This button no longer works."
    assert malformed["text"] == "This button no longer works."


async def test_a_long_list_of_alerts_is_split_across_messages_never_cut(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    for number in range(1, 61):
        with shopfront.db.unit_of_work() as uow:
            changes.create_item(
                uow, telegram_user_id=ADMIN, name=f"Loose leaf tea number {number:02}", quantity=1
            )

    replies = await shopfront.say_all(ADMIN, "/alerts", 2)

    lines = [line for reply in replies for line in (reply.plain_text or "").splitlines()]
    assert lines[0] == "Open alerts (60)"
    assert [line for line in lines if line.startswith("⚠️ #")] == [
        f"⚠️ #{number} Loose leaf tea number {number:02}: 1 left, below the threshold of 5 "
        "· since 2 Mar 08:00"
        for number in range(60, 0, -1)
    ]
    assert all(len(reply.plain_text or "") <= 4096 for reply in replies)
