"""A dismissed member, with the relay running: the buttons of alerts they were sent stop
working for them, and they get no more alerts."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.e2e.test_shop_day import expect


async def test_a_dismissed_members_old_alert_buttons_are_refused_and_new_alerts_skip_them(
    live: Shopfront,
) -> None:
    await live.shop_with_staff()
    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Green tea 3", "Added Green tea")
    alert = await live.api.await_message(STAFF, contains="Low stock: Green tea", after=marker)

    await expect(live, ADMIN, "/dismiss Sam", "Sam is no longer in the shop")
    resolve = await live.press(STAFF, alert, "Resolve")
    restock = await live.press(STAFF, alert, "Restock")

    for answer in (resolve, restock):
        assert answer["text"].startswith("You are not in a shop yet.")
        assert answer["show_alert"] is True
    assert live.sql("SELECT resolved_at FROM alerts") == [(None,)]
    assert live.quantity("Green tea") == 3

    marker = live.api.mark()
    await expect(live, ADMIN, "/additem Oat milk 1", "Added Oat milk")
    await live.api.await_message(ADMIN, contains="Low stock: Oat milk", after=marker)
    assert [m for m in live.api.replies_since(STAFF, marker) if "Oat milk" in (m.text or "")] == []
    assert live.sql(
        "SELECT COUNT(*) FROM notifications n JOIN members m ON m.id = n.member_id"
        " WHERE m.telegram_user_id = :u AND n.alert_id = 2",
        u=STAFF,
    ) == [(0,)]
