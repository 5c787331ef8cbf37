"""A member's alert settings: /prefs, /email, /whatsapp, /notify."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront


def member_prefs(shopfront: Shopfront, user: int) -> tuple[object, ...]:
    rows = shopfront.sql(
        "SELECT email, whatsapp, notify FROM members WHERE telegram_user_id = :u", u=user
    )
    return tuple(rows[0])


async def test_prefs_shows_the_members_channels_and_the_shop_default(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    reply = await shopfront.say(STAFF, "/prefs")

    assert (reply.plain_text or "").splitlines() == [
        "Your alert settings · Ann's shop, staff",
        "Alerts: on",
        "Telegram: this chat",
        "Email: not set (/email me@shop.com)",
        "WhatsApp: not set (/whatsapp +14155550123)",
        "Shop default threshold: 5",
        "Quiet hours: none (/quiet 21:00-07:30)",
        "Shop time zone: UTC",
    ]


async def test_email_sets_a_valid_address_and_off_clears_it(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    set_reply = await shopfront.say(STAFF, "/email Sam@Example.COM")
    assert member_prefs(shopfront, STAFF) == ("Sam@example.com", None, True)
    off_reply = await shopfront.say(STAFF, "/email OFF")

    assert (set_reply.plain_text or "").startswith(
        "📨 A 6-digit code for Sam@example.com is queued, but email is switched off on this bot:"
        " it goes out once the operator switches it on (codes work for 1 hour)."
    )
    assert (
        "Email: Sam@example.com · waiting for /verify · email alerts are switched off on this bot"
        in (set_reply.plain_text or "")
    )
    assert (off_reply.plain_text or "").startswith("✅ Email is off.")
    assert member_prefs(shopfront, STAFF) == (None, None, True)


async def test_whatsapp_sets_a_number_in_international_form_and_off_clears_it(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    reply = await shopfront.say(STAFF, "/whatsapp +1 415 555 2671")
    assert member_prefs(shopfront, STAFF) == (None, "+14155552671", True)
    await shopfront.say(STAFF, "/whatsapp off")

    assert (reply.plain_text or "").startswith("📨 A 6-digit code for +14155552671 is queued")
    assert member_prefs(shopfront, STAFF) == (None, None, True)


async def test_notify_turns_the_members_alerts_off_and_on(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    off = await shopfront.say(STAFF, "/notify off")
    assert member_prefs(shopfront, STAFF) == (None, None, False)
    assert "Alerts: off (/notify on to get them again)" in (off.plain_text or "")
    await shopfront.say(STAFF, "/notify ON")

    assert member_prefs(shopfront, STAFF) == (None, None, True)
    assert member_prefs(shopfront, ADMIN) == (None, None, True)


async def test_prefs_do_not_warn_about_channels_the_bot_has_on(with_channels: Shopfront) -> None:
    await with_channels.open_shop()

    reply = await with_channels.say(ADMIN, "/email ann@example.com")
    assert (reply.plain_text or "").startswith(
        "📨 I sent a 6-digit code to ann@example.com. Reply /verify CODE here within 1 hour:"
        " email alerts start after that."
    )
    await with_channels.verified(ADMIN, "/whatsapp +14155552671")
    prefs = await with_channels.say(ADMIN, "/prefs")

    assert "switched off" not in (reply.plain_text or "")
    assert "Email: ann@example.com · waiting for /verify\nWhatsApp: +14155552671 · verified" in (
        prefs.plain_text or ""
    )


async def test_quiet_sets_and_clears_quiet_hours_and_refuses_bad_ones_changing_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    set_reply = await shopfront.say(STAFF, "/quiet 21:00-07:30")
    stored = shopfront.sql("SELECT quiet_from, quiet_until FROM members WHERE role = 'staff'")
    before = shopfront.state(), stored
    bad = [await shopfront.say(STAFF, text) for text in ("/quiet 25:00-07:00", "/quiet 9-5")]
    same = await shopfront.say(STAFF, "/quiet 07:00-07:00")
    empty = await shopfront.say(STAFF, "/quiet")
    after_bad = (
        shopfront.state(),
        shopfront.sql("SELECT quiet_from, quiet_until FROM members WHERE role = 'staff'"),
    )
    cleared = await shopfront.say(STAFF, "/quiet off")

    assert (set_reply.plain_text or "").startswith(
        "✅ Quiet hours 21:00-07:30 (UTC): Telegram alerts come without a sound then, and "
        "email and WhatsApp wait until they end."
    )
    assert "Quiet hours: 21:00-07:30" in (set_reply.plain_text or "")
    assert stored == [(21 * 60, 7 * 60 + 30)]
    for reply in bad:
        assert "Say from when to when, like 21:00-07:30, or off." in (reply.plain_text or "")
    assert "Quiet hours need an end that differs from their start." in (same.plain_text or "")
    assert "Give your quiet hours (like 21:00-07:30), or off to clear it." in (
        empty.plain_text or ""
    )
    assert after_bad == before
    assert "Quiet hours: none (/quiet 21:00-07:30)" in (cleared.plain_text or "")
