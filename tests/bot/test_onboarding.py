"""Getting into a shop: /start, invite links, /join, /help per role, /cancel, the menus."""

from __future__ import annotations

import re

from tests.bot.harness import ADMIN, OTHER_ADMIN, STAFF, STRANGER, Shopfront
from tests.fakes.telegram_api import BOT_USERNAME

NOT_IN_SHOP = "You are not in a shop yet. Send /start to open your own shop, or /join CODE"


async def test_start_opens_a_new_shop_with_the_user_as_its_admin(shopfront: Shopfront) -> None:
    reply = await shopfront.open_shop()

    assert "I opened Ann's shop and you are its admin" in (reply.plain_text or "")
    assert reply.parse_mode == "HTML"
    assert shopfront.sql("SELECT name FROM shops") == [("Ann's shop",)]
    assert shopfront.sql("SELECT telegram_user_id, chat_id, role FROM members") == [
        (ADMIN, ADMIN, "admin")
    ]


async def test_start_again_welcomes_the_member_back_with_help(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    before = shopfront.state()

    reply = await shopfront.say(ADMIN, "/start")

    assert "Welcome back, Ann!" in (reply.plain_text or "")
    assert "/invite" in (reply.plain_text or "")
    assert shopfront.state() == before


async def test_invite_gives_a_deep_link_that_joins_the_shop_as_staff(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    invite = await shopfront.say(ADMIN, "/invite")
    link = re.search(rf"https://t\.me/{BOT_USERNAME}\?start=([\w-]+)", invite.plain_text or "")
    assert link, invite.plain_text
    assert f"/join {link.group(1)}" in (invite.plain_text or "")
    assert "It works once, until 9 Mar 08:00 UTC" in (invite.plain_text or "")

    reply = await shopfront.say(STAFF, f"/start {link.group(1)}")

    assert "Welcome to Ann's shop! You joined as staff." in (reply.plain_text or "")
    assert shopfront.sql("SELECT role FROM members WHERE telegram_user_id = :u", u=STAFF) == [
        ("staff",)
    ]
    assert shopfront.sql("SELECT used_at IS NOT NULL FROM invites") == [(True,)]


async def test_join_with_an_invite_code_joins_as_staff(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    code = await shopfront.invite_code()

    reply = await shopfront.say(STAFF, f"/join {code}")

    assert "You joined as staff" in (reply.plain_text or "")
    assert len(shopfront.sql("SELECT id FROM members WHERE role = 'staff'")) == 1


async def test_an_invite_code_works_only_once(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    code = await shopfront.invite_code()
    await shopfront.say(STAFF, f"/join {code}")
    before = shopfront.state()

    reply = await shopfront.say(STRANGER, f"/start {code}")

    assert "That invite code is not valid: it may be used up or expired." in (
        reply.plain_text or ""
    )
    assert shopfront.state() == before


async def test_join_without_a_code_shows_how_to_use_it(shopfront: Shopfront) -> None:
    reply = await shopfront.say(STRANGER, "/join")

    assert "Give the invite code your shop's admin sent you." in (reply.plain_text or "")
    assert "Usage: /join CODE, e.g. /join" in (reply.plain_text or "")
    assert shopfront.sql("SELECT count(*) FROM members") == [(0,)]


async def test_a_member_cannot_join_a_second_shop(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.open_shop(OTHER_ADMIN)
    code = await shopfront.invite_code(OTHER_ADMIN)
    before = shopfront.state()

    reply = await shopfront.say(ADMIN, f"/join {code}")

    assert "You are already a member of Ann's shop." in (reply.plain_text or "")
    assert shopfront.state() == before


async def test_help_shows_staff_their_commands_and_admins_theirs_too(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    staff_help = (await shopfront.say(STAFF, "/help")).plain_text or ""
    admin_help = (await shopfront.say(ADMIN, "/help")).plain_text or ""

    for example in ("/add Green tea 10", "/remove Green tea 2", "/resolve 12", "/notify off"):
        assert example in staff_help
        assert example in admin_help
    assert "you are staff" in staff_help
    assert "you are admin" in admin_help
    for admin_only in ("/invite", "/check", "/stats", "/delitem", "/threshold"):
        assert admin_only not in staff_help
        assert admin_only in admin_help


async def test_a_user_not_in_a_shop_is_told_to_start_or_join(shopfront: Shopfront) -> None:
    for message in ("/help", "/stock", "/add Green tea 3", "/alerts", "/prefs", "hello"):
        reply = await shopfront.say(STRANGER, message)
        assert NOT_IN_SHOP in (reply.plain_text or ""), message
    assert shopfront.sql("SELECT count(*) FROM members") == [(0,)]


async def test_cancel_without_a_question_says_there_is_nothing_to_cancel(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/cancel")

    assert reply.plain_text == "Nothing to cancel."


async def test_the_menu_shows_staff_commands_and_admins_get_their_own(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()

    everyone = [command["command"] for command in shopfront.api.commands()]
    admin = [
        command["command"] for command in shopfront.api.commands({"type": "chat", "chat_id": ADMIN})
    ]

    assert everyone[0] == "start"
    assert {"stock", "add", "remove", "set", "additem", "alerts", "prefs"} <= set(everyone)
    assert not {"invite", "check", "stats", "delitem", "threshold"} & set(everyone)
    assert {"invite", "check", "stats", "delitem", "threshold", "stock"} <= set(admin)
    assert shopfront.api.commands({"type": "chat", "chat_id": STAFF}) == []
