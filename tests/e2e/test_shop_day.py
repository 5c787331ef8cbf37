"""A whole shop day through the local Bot API server, alert pushes included."""

from __future__ import annotations

import re

from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.fakes.telegram_api import BOT_USERNAME, SentMessage


async def expect(shop: Shopfront, user: int, message: str, contains: str) -> SentMessage:
    """Send a message and wait for the bot's message to that chat that contains a text
    (pushes from the relay may arrive in between)."""
    marker = shop.api.mark()
    shop.send(user, message)
    return await shop.api.await_message(user, contains=contains, after=marker)


async def test_a_whole_shop_day(live: Shopfront) -> None:
    # Morning: Ann opens her shop and invites Sam with a link.
    await expect(live, ADMIN, "/start", "I opened Ann's shop")
    invite = await expect(live, ADMIN, "/invite", f"https://t.me/{BOT_USERNAME}?start=")
    code = re.search(r"start=([\w-]+)", invite.plain_text or "")
    assert code
    await expect(live, STAFF, f"/start {code.group(1)}", "You joined as staff")

    # Stock arrives: items with spaces in their names, one with its own threshold.
    await expect(live, ADMIN, "/additem Green tea 24", "Added Green tea: 24 in stock")
    await expect(live, STAFF, "/additem Oat milk 12 3", "alerts below 3 (own)")

    # Sam sells; Green tea falls below 5 and both members get the alert with its buttons.
    marker = live.api.mark()
    await expect(live, STAFF, "/remove green tea 21", "Took out 21 Green tea: 3 left.")
    pushed = {
        user: await live.api.await_message(user, contains="Low stock: Green tea", after=marker)
        for user in (ADMIN, STAFF)
    }
    for message in pushed.values():
        assert "3 left, below the threshold of 5" in (message.plain_text or "")
        assert message.callback_data("Resolve") == "alert:resolve:1"
        assert message.callback_data("Restock") == "alert:restock:1"

    # Ann restocks from the alert: the Restock button asks how many arrived.
    marker = live.api.mark()
    answer = await live.press(ADMIN, pushed[ADMIN], "Restock")
    assert answer["text"] == "How many Green tea arrived?"
    await live.api.await_message(ADMIN, contains="How many Green tea arrived?", after=marker)
    await expect(live, ADMIN, "30", "Alert #1 is resolved: back in stock.")
    assert live.quantity("Green tea") == 33
    await live.api.await_message(STAFF, contains="Back in stock: Green tea", after=marker)

    # Oat milk runs low too; Sam resolves that alert by hand from its message.
    marker = live.api.mark()
    await expect(live, STAFF, "/remove Oat milk 10", "2 left, below the threshold of 3")
    milk = await live.api.await_message(STAFF, contains="Low stock: Oat milk", after=marker)
    answer = await live.press(STAFF, milk, "Resolve")
    assert answer["text"] == "Alert #2 resolved."
    edited = live.api.current(STAFF, milk.message_id)
    assert edited["text"].endswith("by hand by Sam")
    assert "reply_markup" not in edited

    # Evening: the history and the figures add up.
    history = await expect(live, STAFF, "/alerts all", "Alerts: 0 open")
    assert "#1 Green tea: resolved 2 Mar 08:00, restocked by Ann" in (history.plain_text or "")
    assert "#2 Oat milk: resolved 2 Mar 08:00, by hand by Sam" in (history.plain_text or "")
    stats = await expect(live, ADMIN, "/stats", "Shop statistics")
    assert "Items: 2 · 1 low · 0 out of stock" in (stats.plain_text or "")
    assert "Alerts: 2 in all · 0 open · 2 resolved" in (stats.plain_text or "")
    assert live.sql("SELECT reason, delta, quantity_after FROM movements ORDER BY id") == [
        ("create", 24, 24),
        ("create", 12, 12),
        ("remove", -21, 3),
        ("add", 30, 33),
        ("remove", -10, 2),
    ]
    assert live.sql("SELECT id, resolution FROM alerts ORDER BY id") == [
        (1, "restocked"),
        (2, "manual"),
    ]
    await live.app.bot_data.delivery.wait_settled(6, status="sent")
    sent = live.sql("SELECT kind, count(*) FROM notifications WHERE status = 'sent' GROUP BY kind")
    assert sorted(sent) == [("alert", 4), ("back_in_stock", 2)]
