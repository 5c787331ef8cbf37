"""/verify through the running bot: a new address waits for its code, refusals explain why."""

from __future__ import annotations

from tests.bot.harness import ADMIN, STAFF, Shopfront
from tests.conftest import Clock

USAGE = "Usage: /verify CODE, e.g. /verify 123456"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_email_sends_a_code_and_verify_with_it_turns_the_address_on(
    with_channels: Shopfront,
) -> None:
    shopfront = with_channels
    await shopfront.shop_with_staff()

    set_reply = await shopfront.say(STAFF, "/email sam@example.com")
    waiting = await shopfront.say(STAFF, "/prefs")
    done = await shopfront.say(STAFF, f"/verify {shopfront.queued_code(STAFF)}")

    assert (set_reply.plain_text or "").startswith(
        "📨 I sent a 6-digit code to sam@example.com. Reply /verify CODE here within 1 hour:"
    )
    assert "Email: sam@example.com · waiting for /verify" in (waiting.plain_text or "")
    assert (done.plain_text or "").startswith(
        "✅ Verified: Email alerts go to sam@example.com from now on."
    )
    assert "Email: sam@example.com · verified" in (done.plain_text or "")


async def test_the_same_verified_address_again_sends_no_new_code(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.verified(ADMIN, "/whatsapp +14155552671")
    before = shopfront.state()

    again = await shopfront.say(ADMIN, "/whatsapp +1 415 555 2671")

    assert (again.plain_text or "").startswith(
        "✅ WhatsApp alerts already go to +14155552671: nothing changed."
    )
    assert shopfront.state() == before


async def test_verify_refusals_give_a_reason_and_the_usage_and_change_nothing(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.open_shop()
    nothing = await shopfront.say(ADMIN, "/verify 123456")
    await shopfront.say(ADMIN, "/email ann@example.com")
    before = shopfront.state()
    malformed = await shopfront.say(ADMIN, "/verify 12345")
    empty = await shopfront.say(ADMIN, "/verify")
    code = shopfront.queued_code(ADMIN)
    clock.advance(hours=1, seconds=1)
    expired = await shopfront.say(ADMIN, f"/verify {code}")

    assert shopfront.state() == before
    for reply, reason in [
        (nothing, "You have no code waiting"),
        (malformed, "A code is the 6 digits"),
        (empty, "A code is the 6 digits"),
        (expired, "That code has expired"),
    ]:
        text = reply.plain_text or ""
        assert reason in text
        assert text.endswith(USAGE)


async def test_wrong_codes_count_down_and_the_fifth_makes_the_member_wait(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/email ann@example.com")
    code = shopfront.queued_code(ADMIN)

    first = await shopfront.say(ADMIN, f"/verify {wrong(code)}")
    for _ in range(3):
        await shopfront.say(ADMIN, f"/verify {wrong(code)}")
    fifth = await shopfront.say(ADMIN, f"/verify {wrong(code)}")
    right_too_late = await shopfront.say(ADMIN, f"/verify {code}")

    assert "That code is not right: 4 tries left." in (first.plain_text or "")
    assert "Wrong code 5 times: that code no longer works. You can try again in 60 minutes" in (
        fifth.plain_text or ""
    )
    assert "Too many wrong codes: you can try again in 60 minutes" in (
        right_too_late.plain_text or ""
    )
    prefs = await shopfront.say(ADMIN, "/prefs")
    assert "Email: ann@example.com · waiting for /verify" in (prefs.plain_text or "")


async def test_a_fourth_address_within_the_hour_is_refused_with_when_to_try_again(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    for n in range(3):
        await shopfront.say(ADMIN, f"/email ann{n}@example.com")
    before = shopfront.state()

    refused = await shopfront.say(ADMIN, "/email ann3@example.com")

    assert "You had 3 codes within the hour: you can change the address in 60 minutes" in (
        refused.plain_text or ""
    )
    assert "Nothing changed." in (refused.plain_text or "")
    assert shopfront.state() == before


async def test_help_lists_verify_with_its_example(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    reply = await shopfront.say(STAFF, "/help")

    assert "/verify 123456 · Confirm a new email or number with its code" in (
        reply.plain_text or ""
    )


async def test_members_shows_which_channels_wait_for_verify(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()
    await shopfront.verified(ADMIN, "/email ann@example.com")
    await shopfront.say(STAFF, "/whatsapp +14155552671")

    listing = (await shopfront.say(ADMIN, "/members")).plain_text or ""

    assert "    alerts by Telegram, email\n" in listing
    assert "    alerts by Telegram, WhatsApp (not verified)" in listing
