"""Alert handling with the relay running: the I'm on it and Snooze 1d buttons of a pushed
alert, and escalations reaching the admins."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import escalate
from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock
from tests.e2e.test_shop_day import expect


async def test_im_on_it_takes_the_alert_and_says_so_on_the_message_keeping_its_buttons(
    live: Shopfront,
) -> None:
    await live.shop_with_staff()
    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Green tea 3", "Added Green tea")
    alert = await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)
    assert alert.callback_data("I'm on it") == "alert:ack:1"

    answer = await live.press(STAFF, alert, "I'm on it")

    assert answer["text"] == "You are on alert #1."
    edited = live.api.current(STAFF, alert.message_id)
    assert edited["text"].endswith("🙋 Sam is on it")
    buttons = [b["text"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["Resolve", "Restock", "I'm on it", "Ordered", "Snooze 1d"]
    assert live.sql(
        "SELECT m.display_name FROM alerts a JOIN members m ON m.id = a.acknowledged_by"
    ) == [("Sam",)]

    again = await live.press(STAFF, alert, "I'm on it")
    assert again["text"] == "You are already on alert #1."
    assert again["show_alert"] is True


async def test_snooze_1d_on_an_alert_message_silences_its_reminders_for_a_day(
    live: Shopfront,
) -> None:
    await live.shop_with_staff()
    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Green tea 3", "Added Green tea")
    alert = await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)

    answer = await live.press(STAFF, alert, "Snooze 1d")

    assert answer["text"] == "Alert #1: no reminders for a day."
    assert live.api.current(STAFF, alert.message_id)["text"].endswith(
        "💤 Snoozed until 3 Mar 08:00"
    )
    [(until, created)] = live.sql("SELECT snoozed_until, created_at FROM alerts")
    assert until - created == timedelta(days=1)


async def test_the_escalation_job_sends_an_unhandled_alert_to_the_admins_with_its_buttons(
    live: Shopfront, clock: Clock
) -> None:
    await live.shop_with_staff()
    await expect(live, ADMIN, "/escalate 30m", "Escalation is on")
    await expect(live, STAFF, "/additem Green tea 3", "Added Green tea")
    clock.advance(minutes=30)
    marker = live.api.mark()
    assert live.app.job_queue is not None

    live.app.job_queue.run_once(escalate, when=0)
    pushed = await live.api.await_message(ADMIN, contains="Unhandled for 30 minutes", after=marker)

    assert "Green tea: 3 left, below the threshold of 5" in (pushed.plain_text or "")
    assert pushed.callback_data("I'm on it") == "alert:ack:1"
    assert [m for m in live.api.replies_since(STAFF, marker) if "Unhandled" in (m.text or "")] == []


async def test_a_member_in_quiet_hours_gets_the_alert_on_telegram_without_a_sound(
    live: Shopfront,
) -> None:
    await live.shop_with_staff()
    await expect(live, STAFF, "/quiet 00:00-23:59", "Quiet hours 00:00-23:59 (UTC)")
    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Green tea 3", "Added Green tea")
    for user in (ADMIN, STAFF):
        await live.api.await_message(user, contains="Low stock: Green tea", after=marker)

    pushes = {
        int(request.params["chat_id"]): request.params.get("disable_notification")
        for request in live.api.requests
        if request.method == "sendMessage"
        and request.seq > marker
        and "Low stock" in str(request.params.get("text"))
    }
    assert pushes == {STAFF: True, ADMIN: False}


async def test_ordered_asks_how_many_and_when_and_the_defaults_are_one_tap_away(
    live: Shopfront,
) -> None:
    await live.shop_with_staff()
    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Green tea 3", "Added Green tea")
    await expect(live, ADMIN, "/additem Oat milk 1", "Added Oat milk")
    tea = await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)
    milk = await live.api.await_message(STAFF, contains="Low stock: Oat milk", after=marker)

    marker = live.api.mark()
    await live.press(STAFF, tea, "Ordered")
    question = await live.api.await_message(STAFF, contains="were ordered", after=marker)
    again = await expect(live, STAFF, "lots", "Send it again")
    assert live.sql("SELECT on_order FROM items WHERE name = 'Green tea'") == [(0,)]
    recorded = await expect(live, STAFF, "48 fri", "on order")

    assert "How many Green tea were ordered, and when are they due?" in (question.plain_text or "")
    assert "The quantity must be a whole number, not “lots”." in (again.plain_text or "")
    assert (recorded.plain_text or "").startswith("📦 48 Green tea on order, due Fri 6 Mar.")
    edited = live.api.current(STAFF, tea.message_id)
    assert edited["text"].endswith("📦 48 ordered, due Fri 6 Mar")
    assert "reply_markup" in edited

    marker = live.api.mark()
    await live.press(STAFF, milk, "Ordered")
    question = await live.api.await_message(STAFF, contains="were ordered", after=marker)
    marker = live.api.mark()
    await live.press(STAFF, question, "Twice the threshold")
    defaults = await live.api.await_message(STAFF, contains="on order", after=marker)

    assert (defaults.plain_text or "").startswith("📦 9 Oat milk on order, due Thu 5 Mar.")
    assert live.api.current(STAFF, milk.message_id)["text"].endswith("📦 9 ordered, due Thu 5 Mar")
    assert live.sql("SELECT name, on_order FROM items ORDER BY id") == [
        ("Green tea", 48),
        ("Oat milk", 9),
    ]
