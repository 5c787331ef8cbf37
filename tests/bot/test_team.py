"""The admin controls the team: /members, /dismiss, /promote, /demote, /leave, /invites,
/revoke; what the member concerned is told and what they can still do."""

from __future__ import annotations

from tests.bot.harness import ADMIN, NAMES, OTHER_ADMIN, STAFF, STRANGER, Shopfront

NOT_IN_SHOP = "You are not in a shop yet. Send /start to open your own shop, or /join CODE"
ADMIN_ONLY = "Only a shop admin can do that."


async def join_as(shopfront: Shopfront, user: int, username: str | None = None) -> None:
    """The user joins Ann's shop with an invite, under a Telegram @username if given."""
    code = await shopfront.invite_code()
    marker = shopfront.api.mark()
    shopfront.api.send_message(user, f"/join {code}", first_name=NAMES[user], username=username)
    await shopfront.api.await_message(user, contains="You joined as staff", after=marker)


async def team_of_three(shopfront: Shopfront) -> None:
    """Ann (admin, #1), Sam (@sam_sells, #2) and Olga (#3), both staff."""
    await shopfront.open_shop()
    await join_as(shopfront, STAFF, "sam_sells")
    await join_as(shopfront, OTHER_ADMIN)


async def test_members_lists_everyone_by_number_with_role_and_channels(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)

    listing = (await shopfront.say(ADMIN, "/members")).plain_text or ""

    assert listing.splitlines()[:7] == [
        "Members (3)",
        "#1 Ann · admin · you",
        "    alerts by Telegram",
        "#2 Sam (@sam_sells) · staff",
        "    alerts by Telegram",
        "#3 Olga · staff",
        "    alerts by Telegram",
    ]


async def test_staff_can_neither_see_nor_change_the_team(shopfront: Shopfront) -> None:
    await team_of_three(shopfront)
    before = shopfront.state()

    for command in ("/members", "/dismiss 1", "/promote 2", "/demote 1", "/invites"):
        reply = await shopfront.say(STAFF, command)
        assert ADMIN_ONLY in (reply.plain_text or ""), command

    assert shopfront.state() == before


async def test_a_dismissed_member_is_told_loses_all_access_and_may_open_their_own_shop(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    await shopfront.say(ADMIN, "/additem Green tea 20")
    await shopfront.say(STAFF, "/remove Green tea 2")
    question = await shopfront.say(STAFF, "/additem")
    assert "What is the new item called?" in (question.plain_text or "")
    marker = shopfront.api.mark()

    reply = await shopfront.say(ADMIN, "/dismiss @sam_sells")

    assert "Sam is no longer in the shop" in (reply.plain_text or "")
    told = await shopfront.api.await_message(STAFF, after=marker)
    assert "An admin removed you from Ann's shop" in (told.plain_text or "")
    # The question Sam was answering ended with his membership, and nothing is his any more.
    assert NOT_IN_SHOP in ((await shopfront.say(STAFF, "Oat milk")).plain_text or "")
    for command in ("/stock", "/remove Green tea 1", "/alerts", "/prefs"):
        assert NOT_IN_SHOP in ((await shopfront.say(STAFF, command)).plain_text or ""), command
    assert shopfront.quantity("Green tea") == 18
    assert shopfront.quantity("Oat milk") is None
    # The ledger still says who took the two out.
    details = (await shopfront.say(ADMIN, "/item Green tea")).plain_text or ""
    assert "Sam" in details
    members = (await shopfront.say(ADMIN, "/members")).plain_text or ""
    assert "Sam" not in members
    assert "Members (2)" in members

    opened = await shopfront.say(STAFF, "/start")
    assert "I opened Sam's shop and you are its admin" in (opened.plain_text or "")
    assert (await shopfront.say(STAFF, "/stock")).plain_text.startswith("No items yet.")


async def test_a_member_who_took_a_new_username_is_found_by_it_after_start(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    marker = shopfront.api.mark()
    shopfront.api.send_message(STAFF, "/start", first_name="Sam", username="sam_new")
    await shopfront.api.await_message(STAFF, contains="Welcome back", after=marker)

    old = await shopfront.say(ADMIN, "/promote @sam_sells")
    new = await shopfront.say(ADMIN, "/promote @Sam_New")

    assert "No member @sam_sells in your shop" in (old.plain_text or "")
    assert "Sam is now an admin." in (new.plain_text or "")


async def test_dismiss_finds_a_member_by_number_or_name_and_refuses_what_it_cannot_tell(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    before = shopfront.state()

    unknown = await shopfront.say(ADMIN, "/dismiss Bob")
    huge = await shopfront.say(ADMIN, "/dismiss " + "x" * 4000)
    empty = await shopfront.say(ADMIN, "/dismiss")
    itself = await shopfront.say(ADMIN, "/dismiss 1")
    stranger = await shopfront.say(ADMIN, f"/dismiss {STRANGER}")

    assert "No member Bob in your shop: /members lists them." in (unknown.plain_text or "")
    assert f"No member {'x' * 63}… in your shop" in (huge.plain_text or "")
    assert "Usage: /dismiss MEMBER, e.g. /dismiss 3" in (empty.plain_text or "")
    assert "You cannot dismiss yourself: /leave leaves the shop." in (itself.plain_text or "")
    assert "No member" in (stranger.plain_text or "")
    assert shopfront.state() == before

    by_name = await shopfront.say(ADMIN, "/dismiss olga")
    by_number = await shopfront.say(ADMIN, "/dismiss #2")

    assert "Olga is no longer in the shop" in (by_name.plain_text or "")
    assert "Sam is no longer in the shop" in (by_number.plain_text or "")
    assert shopfront.sql("SELECT COUNT(*) FROM members WHERE left_at IS NULL") == [(1,)]


async def test_promote_and_demote_change_the_role_tell_the_member_and_set_their_menu(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    marker = shopfront.api.mark()

    promoted = await shopfront.say(ADMIN, "/promote 2")

    assert "Sam is now an admin." in (promoted.plain_text or "")
    told = await shopfront.api.await_message(STAFF, after=marker)
    assert "You are now an admin of Ann's shop" in (told.plain_text or "")
    sam_menu = [c["command"] for c in shopfront.api.commands({"type": "chat", "chat_id": STAFF})]
    assert "dismiss" in sam_menu
    assert "Sam is now staff" not in ((await shopfront.say(STAFF, "/members")).plain_text or "")

    marker = shopfront.api.mark()
    demoted = await shopfront.say(STAFF, "/demote Ann")

    assert "Ann is now staff." in (demoted.plain_text or "")
    told = await shopfront.api.await_message(ADMIN, after=marker)
    assert "You are now staff in Ann's shop." in (told.plain_text or "")
    assert shopfront.api.commands({"type": "chat", "chat_id": ADMIN}) == []
    assert ADMIN_ONLY in ((await shopfront.say(ADMIN, "/members")).plain_text or "")
    assert shopfront.sql("SELECT telegram_user_id FROM members WHERE role = 'admin'") == [(STAFF,)]


async def test_the_last_admin_can_be_neither_demoted_nor_leave_while_others_remain(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    before = shopfront.state()

    demoted = await shopfront.say(ADMIN, "/demote 1")
    leaving = await shopfront.say(ADMIN, "/leave")
    again = await shopfront.say(ADMIN, "/promote Sam")

    assert "Ann is the shop's only admin: /promote someone else first." in (
        demoted.plain_text or ""
    )
    assert "You are the shop's only admin: /promote someone first" in (leaving.plain_text or "")
    assert leaving.buttons == []
    assert "Sam is now an admin." in (again.plain_text or "")
    assert before["members"] != shopfront.state()["members"]


async def test_leave_asks_first_stay_changes_nothing_and_leave_leaves(
    shopfront: Shopfront,
) -> None:
    await team_of_three(shopfront)
    before = shopfront.state()

    question = await shopfront.say(STAFF, "/leave")
    assert "Leave Ann's shop?" in (question.plain_text or "")
    await shopfront.press(STAFF, question, "Stay")

    assert (
        shopfront.api.current(STAFF, question.message_id)["text"] == "Good: you stay in the shop."
    )
    assert shopfront.state() == before

    question = await shopfront.say(STAFF, "/leave")
    await shopfront.press(STAFF, question, "Leave the shop")

    left = shopfront.api.current(STAFF, question.message_id)["text"]
    assert left.startswith("You left Ann's shop.")
    assert NOT_IN_SHOP in ((await shopfront.say(STAFF, "/stock")).plain_text or "")
    assert "Members (2)" in ((await shopfront.say(ADMIN, "/members")).plain_text or "")
    # The confirmation cannot be used twice, nor after joining again.
    await join_as(shopfront, STAFF)
    answer = await shopfront.press_data(STAFF, question.message_id, question.callback_data("Leave"))
    assert "no longer valid" in answer["text"]
    assert shopfront.sql(
        "SELECT COUNT(*) FROM members WHERE telegram_user_id = :u AND left_at IS NULL", u=STAFF
    ) == [(1,)]


async def test_the_only_member_may_leave_their_shop(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    question = await shopfront.say(ADMIN, "/leave")
    await shopfront.press(ADMIN, question, "Leave the shop")

    assert NOT_IN_SHOP in ((await shopfront.say(ADMIN, "/stock")).plain_text or "")


async def test_invites_lists_unused_codes_and_revoke_makes_one_stop_working(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    used = await shopfront.invite_code()
    await shopfront.say(STAFF, f"/join {used}")
    kept, revoked = await shopfront.invite_code(), await shopfront.invite_code()

    listing = (await shopfront.say(ADMIN, "/invites")).plain_text or ""
    assert "Unused invites (2)" in listing
    assert kept in listing
    assert revoked in listing
    assert used not in listing

    reply = await shopfront.say(ADMIN, f"/revoke {revoked}")

    assert f"Invite {revoked} revoked: it no longer works." in (reply.plain_text or "")
    refused = await shopfront.say(OTHER_ADMIN, f"/join {revoked}")
    assert "That invite code is not valid" in (refused.plain_text or "")
    assert revoked not in ((await shopfront.say(ADMIN, "/invites")).plain_text or "")
    joined = await shopfront.say(OTHER_ADMIN, f"/join {kept}")
    assert "You joined as staff" in (joined.plain_text or "")


async def test_revoke_refuses_unknown_used_and_other_shops_codes_changing_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    used = await shopfront.invite_code()
    await shopfront.say(STAFF, f"/join {used}")
    await shopfront.open_shop(OTHER_ADMIN)
    theirs = await shopfront.invite_code(OTHER_ADMIN)
    before = shopfront.state()

    for code in (used, theirs, "nonsense!", "x" * 40):
        reply = await shopfront.say(ADMIN, f"/revoke {code}")
        assert "No unused invite with that code: /invites lists them." in (
            reply.plain_text or ""
        ), code
    empty = await shopfront.say(ADMIN, "/revoke")

    assert "Usage: /revoke CODE" in (empty.plain_text or "")
    assert shopfront.state() == before
