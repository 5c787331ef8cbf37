"""/sku and /connect through the running bot: replies, refusals that change nothing, the
secret never shown back, and /connect only in private."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import build_application
from core.db.session import Database
from tests.bot.harness import ADMIN, STAFF, Shopfront, bot_settings, serving
from tests.fakes.telegram_api import BOT_USERNAME, FakeBotApi

BASE = "https://stock.example.com"
SECRET = "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"
GROUP = -1000000000888


@pytest.fixture
async def public(
    bot_api: FakeBotApi, postgres_url: str, pg_db: Database
) -> AsyncIterator[Shopfront]:
    """The bot with PUBLIC_BASE_URL set."""
    settings = bot_settings(bot_api, postgres_url, public_base_url=BASE + "/")
    application = build_application(settings, pg_db, delivery=None)
    async with serving(application, poll_timeout=5):
        await bot_api.await_polled()
        yield Shopfront(bot_api, application, pg_db)


async def test_sku_sets_shows_on_item_and_clears(shopfront: Shopfront) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem <b>Tea & Co</b> 12")

    set_ = await shopfront.say(ADMIN, "/sku <b>Tea & Co</b> GT-250")
    shown = await shopfront.say(ADMIN, "/item <b>Tea & Co</b>")
    cleared = await shopfront.say(ADMIN, "/sku <b>Tea & Co</b> off")

    assert set_.plain_text == (
        "✅ <b>Tea & Co</b> has the SKU GT-250: counts a point of sale sends for it set its stock."
    )
    assert "SKU: GT-250" in (shown.plain_text or "").splitlines()
    assert (
        cleared.plain_text == "✅ <b>Tea & Co</b> has no SKU now: no point of sale sets its stock."
    )
    assert shopfront.sql("SELECT sku FROM items") == [(None,)]


async def test_bad_or_taken_skus_and_staff_are_refused_and_change_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    await shopfront.say(ADMIN, "/additem Green tea 12")
    await shopfront.say(ADMIN, "/additem Black tea 12")
    await shopfront.say(ADMIN, "/sku Green tea T-1")
    before = shopfront.state() | {"skus": shopfront.sql("SELECT id, sku FROM items ORDER BY id")}

    taken = await shopfront.say(ADMIN, "/sku Black tea T-1")
    bare = await shopfront.say(ADMIN, "/sku")
    missing = await shopfront.say(ADMIN, "/sku Milk M-1")
    staff = await shopfront.say(STAFF, "/sku Black tea B-1")

    assert taken.plain_text == "⚠️ The SKU T-1 is already “Green tea”'s."
    assert (bare.plain_text or "").startswith("⚠️ Give the item's name, then its SKU (or off).")
    assert "Usage: /sku NAME CODE or /sku NAME off" in (bare.plain_text or "")
    assert missing.plain_text == "⚠️ There is no item called “Milk”."
    assert staff.plain_text == "⚠️ Only a shop admin can do that."
    after = shopfront.state() | {"skus": shopfront.sql("SELECT id, sku FROM items ORDER BY id")}
    assert after == before


async def test_connect_shows_the_url_and_the_event_but_never_the_secret(public: Shopfront) -> None:
    await public.open_shop()

    reply = await public.say(ADMIN, f"/connect shopify {SECRET}")

    text = reply.plain_text or ""
    assert SECRET not in text
    lines = text.splitlines()
    assert lines[0] == "✅ Shopify is connected as shopify (secret shpss_…1706)."
    token = public.sql("SELECT token FROM pos_connections")[0][0]
    assert lines[1] == f"URL: {BASE}/v1/integrations/shopify/{token}"
    assert "inventory_levels/update" in lines[2]
    listed = await public.say(ADMIN, "/connect list")
    assert SECRET not in (listed.plain_text or "")
    assert f"{BASE}/v1/integrations/shopify/{token}" in (listed.plain_text or "")
    off = await public.say(ADMIN, "/connect off shopify")
    assert (off.plain_text or "").startswith("✅ shopify is off")
    assert public.sql("SELECT count(*) FROM pos_connections WHERE disabled_at IS NULL") == [(0,)]


async def test_connect_without_public_base_url_says_to_set_it(shopfront: Shopfront) -> None:
    await shopfront.open_shop()

    reply = await shopfront.say(ADMIN, "/connect square sq0abcDEF123456789")

    text = reply.plain_text or ""
    assert "sq0abcDEF123456789" not in text
    assert "set PUBLIC_BASE_URL" in text
    assert "inventory.count.updated" in text


async def test_bad_connect_input_is_refused_without_echo_and_changes_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    before = shopfront.state() | {"pos": shopfront.sql("SELECT id FROM pos_connections")}

    replies = [
        await shopfront.say(ADMIN, "/connect clover s3cret-value-here"),
        await shopfront.say(ADMIN, "/connect shopify"),
        await shopfront.say(ADMIN, "/connect shopify two halves"),
        await shopfront.say(ADMIN, "/connect off nothing"),
        await shopfront.say(STAFF, f"/connect shopify {SECRET}"),
    ]

    texts = [reply.plain_text or "" for reply in replies]
    assert texts[0].startswith("⚠️ Say which point of sale: shopify or square.")
    assert texts[1].startswith("⚠️ Give the secret (Shopify) or the signature key (Square)")
    assert texts[2].startswith("⚠️ A secret has no spaces")
    assert texts[3].startswith("⚠️ There is no connection called “nothing”")
    assert texts[4] == "⚠️ Only a shop admin can do that."
    for text, secret in zip(
        texts, ("s3cret-value-here", "", "two halves", "", SECRET), strict=True
    ):
        assert not secret or secret not in text
    after = shopfront.state() | {"pos": shopfront.sql("SELECT id FROM pos_connections")}
    assert after == before


async def test_connect_in_a_group_asks_for_a_private_chat(public: Shopfront) -> None:
    await public.open_shop()
    marker = public.api.mark()
    public.api.create_group(GROUP, supergroup=True)

    public.api.send_message(ADMIN, f"/connect@{BOT_USERNAME} shopify {SECRET}", chat_id=GROUP)
    reply = await public.api.await_message(GROUP, after=marker)

    assert reply.plain_text == f"🔒 Send me this privately: open @{BOT_USERNAME} and send it there."
    assert public.sql("SELECT count(*) FROM pos_connections") == [(0,)]
