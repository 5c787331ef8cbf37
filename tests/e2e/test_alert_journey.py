"""One alert's whole life, as the member on it sees it: open → on it → ordered → overdue →
received → resolved, through the local Bot API with the relay and the daily-check job."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.jobs import daily_check
from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock
from tests.e2e.test_shop_day import expect


async def test_an_alert_goes_from_open_through_on_it_ordered_overdue_received_to_resolved(
    live: Shopfront, clock: Clock
) -> None:
    await live.shop_with_staff()
    await expect(live, ADMIN, "/additem Green tea 20", "Added Green tea")
    start = live.api.mark()

    await expect(live, STAFF, "/remove Green tea 17", "Took out 17 Green tea: 3 left.")
    alert = await live.api.await_message(STAFF, contains="Low stock: Green tea", after=start)
    await live.press(STAFF, alert, "I'm on it")
    await live.press(STAFF, alert, "Ordered")
    await expect(live, STAFF, "48 thu", "on order")

    clock.now = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Friday: the order is a day late
    before_check = live.api.mark()
    assert live.app.job_queue is not None
    live.app.job_queue.run_once(daily_check, when=0)
    reminder = await live.api.await_message(STAFF, contains="Still low", after=before_check)

    await expect(live, STAFF, "/received Green tea 48", "Received 48 Green tea")
    await live.api.await_message(STAFF, contains="Back in stock", after=before_check)

    seen = [m.plain_text or "" for m in live.api.replies_since(STAFF, start)]
    # The reply to /remove and the pushed alert may come in either order.
    assert "Green tea: 3 left, below the threshold of 5." in (alert.plain_text or "")
    assert live.api.current(STAFF, alert.message_id)["text"].endswith(
        "🙋 Sam is on it\n\n📦 48 ordered, due Thu 5 Mar"
    )
    assert (
        "Green tea: 3 left, below the threshold of 5 · 🙋 Sam is on it · "
        "⏰ ordered 48 on 2 Mar, due 5 Mar: 1 day late"
    ) in (reminder.plain_text or "")
    assert "✅ Back in stock: Green tea — 51 now." in seen
    assert live.sql("SELECT resolution FROM alerts") == [("restocked",)]
    assert live.sql("SELECT on_order, order_due FROM items") == [(0, None)]
