"""Every kind of bad input gets a clear reason (and a usage line when the arguments were
wrong) and changes nothing."""

from __future__ import annotations

import pytest

from tests.bot.harness import ADMIN, STAFF, Shopfront

LONG_NAME = "x" * 5000
HUGE = "9" * 30
USAGE = "Usage: "

BAD_INPUT = {
    "quantities and amounts": [
        (
            "/add Green tea -5",
            "The amount cannot be negative.",
            "/add NAME N, e.g. /add Green tea 10",
        ),
        ("/add Green tea abc", "The amount must be a whole number, not “abc”.", "/add NAME N"),
        ("/add Green tea 2.5", "The amount must be a whole number, not “2.5”.", "/add NAME N"),
        ("/add Green tea " + HUGE, "The amount can be at most 1,000,000,000.", "/add NAME N"),
        ("/add Green tea 1000000001", "The amount can be at most 1,000,000,000.", "/add NAME N"),
        ("/add Green tea 999999999", "That would be more than 1,000,000,000 in stock.", USAGE),
        ("/remove Green tea 0", "The amount must be at least 1.", "/remove NAME N"),
        ("/remove Green tea -1", "The amount cannot be negative.", "/remove NAME N"),
        ("/set Green tea -1", "Quantity cannot be negative.", "/set NAME QTY"),
        ("/set Green tea ten", "The quantity must be a whole number, not “ten”.", "/set NAME QTY"),
        ("/set Green tea " + "1" * 5000, "The quantity can be at most 1,000,000,000.", "/set NAME"),
        ("/add", "Give the item name and then the number.", "/add NAME N"),
        ("/add 5", "Give the item name and then the number.", "/add NAME N"),
        ("/remove Green tea", "The amount must be a whole number, not “tea”.", "/remove NAME N"),
    ],
    "names": [
        (f"/additem {LONG_NAME} 5", "Item names are at most 64 characters.", "/additem NAME QTY"),
        ("/additem Tea\x07bell 5", "Item names cannot contain control characters.", "/additem"),
        ("/additem Tea\u200bzero 5", "Item names cannot contain control characters.", "/additem"),
        ("/additem Chai -3", "Quantity cannot be negative.", "/additem NAME QTY"),
        ("/additem Chai 3 -1", "The threshold cannot be negative.", "/additem NAME QTY"),
        (f"/item {LONG_NAME}", "Item names are at most 64 characters.", "/item NAME"),
        ("/item", "Give the item name.", "/item NAME"),
        (f"/stock {LONG_NAME}", "Item names are at most 64 characters.", "/stock [low|TEXT]"),
        ("/stock tea\x00", "Item names cannot contain control characters.", "/stock"),
    ],
    "alerts": [
        ("/alert abc", "Alert IDs are numbers, like 12: /alerts lists them.", "/alert ID"),
        ("/alert", "Alert IDs are numbers, like 12: /alerts lists them.", "/alert ID"),
        ("/alert 999", "Alert #999 was not found.", None),
        ("/alert " + HUGE, f"Alert #{HUGE[:19]}… was not found.", None),
        ("/alert -1", "Alert IDs are numbers, like 12", "/alert ID"),
        ("/resolve 999", "Alert #999 was not found.", None),
        ("/resolve Dragon well", "There is no item called “Dragon well”.", None),
        ("/resolve Green tea", "“Green tea” has no open alert.", None),
        ("/resolve", "Give the item name.", "/resolve ID or /resolve NAME"),
        ("/alerts sometimes", "Say /alerts, or /alerts all for the history too.", "/alerts [all]"),
    ],
    "preferences": [
        (
            "/email not-an-email",
            "That is not a valid email address",
            "/email ADDRESS or /email off",
        ),
        ("/email a@b", "That is not a valid email address", "/email ADDRESS"),
        ("/email", "Give your email address, or off to clear it.", "/email ADDRESS"),
        ("/whatsapp 4155552671", "Write the number in international form with +", "/whatsapp"),
        ("/whatsapp +1 555", "That is not a valid phone number, e.g. +14155550123.", "/whatsapp"),
        ("/whatsapp +abc", "That is not a valid phone number", "/whatsapp +NUMBER"),
        ("/whatsapp", "Give your number in international form, or off to clear it.", "/whatsapp"),
        ("/notify maybe", "Say on or off.", "/notify on|off"),
        ("/notify", "Say on or off.", "/notify on|off"),
    ],
    "thresholds": [
        ("/threshold -1", "The threshold cannot be negative.", "/threshold N"),
        ("/threshold " + HUGE, "The threshold can be at most 1,000,000,000.", "/threshold N"),
        (
            "/threshold default",
            "The threshold must be a whole number, not “default”.",
            "/threshold",
        ),
        ("/threshold Green tea lots", "The threshold must be a whole number, not “lots”.", USAGE),
        ("/threshold Dragon well 3", "There is no item called “Dragon well”.", None),
        ("/threshold", "Give a threshold.", "/threshold N, /threshold NAME N"),
    ],
    "deleting and joining": [
        ("/delitem Dragon well", "There is no item called “Dragon well”.", None),
        ("/delitem", "Give the item name.", "/delitem NAME"),
        ("/join nonsense", "You are already a member of Ann's shop.", None),
    ],
}


@pytest.fixture
async def shop(shopfront: Shopfront) -> Shopfront:
    """Ann's shop with Sam, Green tea (10, no alert) and an alert for Milk."""
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 10")
    await shopfront.say(ADMIN, "/additem Milk 1")
    return shopfront


def problem(reply: str, reason: str, usage: str | None) -> str | None:
    """What is wrong with a reply to bad input, if anything."""
    last = reply.splitlines()[-1] if reply else ""
    if reason not in reply:
        return f"no reason {reason!r}"
    if usage is None and USAGE in reply:
        return "a usage line where the arguments were fine"
    if usage is not None and not (last.startswith(USAGE) and usage in last):
        return f"no usage line with {usage!r}"
    if len(reply) > 1000:
        return "a reply too long to read"
    return None


@pytest.mark.parametrize("kind", BAD_INPUT)
async def test_bad_input_gets_a_reason_and_changes_nothing(shop: Shopfront, kind: str) -> None:
    problems = []
    for message, reason, usage in BAD_INPUT[kind]:
        before = shop.state()
        reply = (await shop.say(ADMIN, message)).plain_text or ""
        wrong = problem(reply, reason, usage)
        if wrong or shop.state() != before:
            problems.append(f"{message[:60]!r}: {wrong or 'the database changed'}; got {reply!r}")
    assert not problems, "\n".join(problems)


async def test_html_in_a_name_is_stored_and_shown_exactly_as_typed(shop: Shopfront) -> None:
    name = '<b>Tea & "Co"</b>'

    added = await shop.say(STAFF, f"/additem {name} 3")
    listed = await shop.say(STAFF, "/stock <b>")
    shown = await shop.say(STAFF, f"/item {name}")

    assert added.plain_text
    assert name in added.plain_text
    assert listed.plain_text
    assert f"⚠️ {name}: 3 (alert below 5)" in listed.plain_text
    assert shown.plain_text
    assert shown.plain_text.splitlines()[0] == name
    assert f"{name}: 3" in (await shop.say(STAFF, "/stock")).plain_text  # type: ignore[operator]
    assert shop.quantity(name) == 3
    for reply in (added, listed, shown):
        assert "&lt;b&gt;" in (reply.text or "")  # escaped on the wire, shown as typed


async def test_html_in_a_users_name_is_shown_as_typed(shopfront: Shopfront) -> None:
    shopfront.api.send_message(1234, "/start", first_name="<i>Bob</i> & Co")
    reply = await shopfront.api.await_message(1234, contains="I opened")

    assert "I opened <i>Bob</i> & Co's shop" in (reply.plain_text or "")
