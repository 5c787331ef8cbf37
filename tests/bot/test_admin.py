"""Admin commands: /threshold, /stats, /check, /invite, and staff being refused them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

from bot.jobs import DAILY_CHECK
from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock


async def test_threshold_sets_the_shops_default_and_re_evaluates_items(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 6")

    reply = await shopfront.say(ADMIN, "/threshold 10")

    assert reply.plain_text == "✅ The shop's default threshold is now 10 (1 alert opened)."
    assert shopfront.sql("SELECT default_threshold FROM shops") == [(10,)]
    assert shopfront.sql("SELECT quantity, threshold FROM alerts") == [(6, 10)]


async def test_threshold_sets_and_clears_one_items_own_threshold(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 6")

    own = await shopfront.say(ADMIN, "/threshold green tea 7")
    assert shopfront.sql("SELECT threshold FROM items") == [(7,)]
    never = await shopfront.say(ADMIN, "/threshold Green tea 0")
    back = await shopfront.say(ADMIN, "/threshold Green tea DEFAULT")

    assert own.plain_text == "✅ Green tea now alerts below 7 (1 alert opened)."
    assert never.plain_text == "✅ Green tea: threshold 0, it never alerts (1 alert resolved)."
    assert back.plain_text == "✅ Green tea uses the shop default again: 5."
    assert shopfront.sql("SELECT threshold FROM items") == [(None,)]


async def test_stats_shows_items_alerts_members_and_notifications(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 24")
    await shopfront.say(ADMIN, "/additem Milk 0")
    await shopfront.say(ADMIN, "/additem Sugar 2")
    await shopfront.say(ADMIN, "/add Sugar 10")

    reply = await shopfront.say(ADMIN, "/stats")

    assert (reply.plain_text or "").splitlines() == [
        "Shop statistics",
        "Items: 3 · 1 low · 1 out of stock",
        "Alerts: 2 in all · 1 open · 1 resolved",
        "Members: 2",
        "Notifications: 6 waiting · 0 sent · 0 failed for good",
    ]


async def test_check_runs_the_daily_check_now_and_says_what_it_did(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    await shopfront.say(ADMIN, "/additem Milk 1")
    clock.advance(hours=25)

    reply = await shopfront.say(ADMIN, "/check")
    again = await shopfront.say(ADMIN, "/check")

    assert reply.plain_text == (
        "✅ Check done: 2 items low, 0 alerts opened, 2 reminders queued (in 2 messages), "
        "0 alerts resolved."
    )
    assert "0 reminders queued" in (again.plain_text or "")
    digests = shopfront.sql("SELECT channel FROM notifications WHERE kind = 'reminder_digest'")
    assert sorted(digests) == [("telegram",), ("telegram",)]


async def test_invite_is_for_admins_only(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    before = shopfront.state()

    reply = await shopfront.say(STAFF, "/invite")

    assert reply.plain_text == "⚠️ Only a shop admin can do that."
    assert shopfront.state() == before


@pytest.mark.parametrize(
    "command",
    ["/delitem Green tea", "/threshold 3", "/threshold Green tea 3", "/stats", "/check"],
)
async def test_staff_are_refused_admin_commands_and_nothing_changes(
    shopfront: Shopfront, command: str
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    before = shopfront.state()

    reply = await shopfront.say(STAFF, command)

    assert reply.plain_text == "⚠️ Only a shop admin can do that."
    assert shopfront.state() == before


async def test_timezone_shows_then_sets_the_shops_zone_and_its_next_check(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    shown = await shopfront.say(ADMIN, "/timezone")
    changed = await shopfront.say(ADMIN, "/timezone europe/berlin")

    assert (shown.plain_text or "").startswith(
        "The shop's time zone is UTC, this Stockbot's default. "
        "The daily check runs next on 2 Mar 09:00 there."
    )
    assert (changed.plain_text or "").startswith(
        "✅ The shop's time zone is now Europe/Berlin. "
        "The daily check runs next on 3 Mar 09:00 there."
    )
    assert shopfront.sql("SELECT timezone FROM shops") == [("Europe/Berlin",)]


async def test_timezone_refuses_unknown_zones_and_staff_changing_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    before = shopfront.state(), shopfront.sql("SELECT timezone FROM shops")

    unknown = await shopfront.say(ADMIN, "/timezone Berlin")
    staff = await shopfront.say(STAFF, "/timezone Europe/Berlin")

    assert "That is not a time zone I know: use its IANA name, like Europe/Berlin." in (
        unknown.plain_text or ""
    )
    assert "Usage: /timezone [ZONE], e.g. /timezone Europe/Berlin" in (unknown.plain_text or "")
    assert "Only a shop admin can do that." in (staff.plain_text or "")
    assert (shopfront.state(), shopfront.sql("SELECT timezone FROM shops")) == before


async def test_after_timezone_every_time_shown_is_on_the_shops_clock(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 2")
    before = (await shopfront.say(ADMIN, "/alerts")).plain_text or ""

    await shopfront.say(ADMIN, "/timezone Asia/Kathmandu")  # UTC+05:45

    assert "since 2 Mar 08:00" in before
    assert "since 2 Mar 13:45" in ((await shopfront.say(ADMIN, "/alerts")).plain_text or "")
    assert "Raised 2 Mar 13:45" in ((await shopfront.say(ADMIN, "/alert 1")).plain_text or "")
    details = (await shopfront.say(ADMIN, "/item Green tea")).plain_text or ""
    assert "raised 2 Mar 13:45" in details
    assert "• 2 Mar 13:45" in details
    invite = (await shopfront.say(ADMIN, "/invite")).plain_text or ""
    assert "until 9 Mar 13:45 +0545" in invite
    assert "works until 9 Mar 13:45" in ((await shopfront.say(ADMIN, "/invites")).plain_text or "")


async def test_escalate_turns_escalation_on_and_off_and_refuses_bad_durations(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    shown = await shopfront.say(ADMIN, "/escalate")
    on = await shopfront.say(ADMIN, "/escalate 4h")
    bad = await shopfront.say(ADMIN, "/escalate 5m")
    staff = await shopfront.say(STAFF, "/escalate off")
    seconds = shopfront.sql("SELECT escalate_after_seconds FROM shops")
    off = await shopfront.say(ADMIN, "/escalate off")

    assert (shown.plain_text or "").startswith("Escalation is off.")
    assert (on.plain_text or "").startswith(
        "✅ Escalation is on: an alert nobody has taken, ordered or resolved within 4 hours"
    )
    assert "Say after how long: 30m, 4h or 2d (15 minutes to 14 days), or off." in (
        bad.plain_text or ""
    )
    assert "Only a shop admin can do that." in (staff.plain_text or "")
    assert seconds == [(4 * 3600,)]
    assert (off.plain_text or "").startswith("✅ Escalation is off.")
    assert shopfront.sql("SELECT escalate_after_seconds FROM shops") == [(None,)]


async def test_timezone_makes_the_daily_check_job_look_again_and_it_stays_one_job(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    queue = shopfront.app.job_queue
    assert queue is not None
    loop = asyncio.get_running_loop()
    ran: asyncio.Future[None] = loop.create_future()

    def on_job(event: JobExecutionEvent) -> None:
        if event.job_id and not ran.done():
            loop.call_soon_threadsafe(lambda: ran.done() or ran.set_result(None))

    queue.scheduler.add_listener(on_job, EVENT_JOB_EXECUTED)
    await shopfront.say(ADMIN, "/timezone Asia/Kathmandu")
    await asyncio.wait_for(ran, timeout=10)

    [job] = queue.get_jobs_by_name(DAILY_CHECK)
    # The shop's clock: 2 Mar 13:45 in Kathmandu; its next 09:00 is 3 Mar 03:15 UTC, after
    # 09:00 UTC (ALERT_TIMEZONE) today, 1 h away on the test clock.
    assert job.next_t is not None
    assert timedelta(minutes=59) < job.next_t - datetime.now(UTC) <= timedelta(hours=1)
