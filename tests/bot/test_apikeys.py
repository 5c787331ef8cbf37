"""/apikey: an admin makes a key (shown once, only its hash kept), lists and revokes keys;
staff and groups are refused; bad input changes nothing."""

from __future__ import annotations

import hashlib
import re

from tests.bot.harness import ADMIN, STAFF, Shopfront

KEY = re.compile(r"sb_live_[A-Za-z0-9_-]{32}")


async def test_a_new_key_is_shown_once_and_only_its_hash_is_kept(shopfront: Shopfront) -> None:
    await shopfront.shop_with_staff()

    made = await shopfront.say(ADMIN, "/apikey new Till 1 write")

    text = made.plain_text or ""
    key = KEY.search(text)
    assert key is not None, text
    assert "New write key Till 1 (#1)" in text
    assert "only time it is shown" in text
    [(stored_hash, prefix, scope)] = shopfront.sql("SELECT key_hash, prefix, scope FROM api_keys")
    assert stored_hash == hashlib.sha256(key.group().encode()).hexdigest()
    assert (prefix, scope) == (key.group()[:12], "write")
    listed = (await shopfront.say(ADMIN, "/apikey list")).plain_text or ""
    assert key.group() not in listed
    assert f"#1 Till 1 · write · {key.group()[:12]}… " in listed


async def test_a_key_without_a_scope_is_read_only_and_revoking_it_says_so(
    shopfront: Shopfront,
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/apikey new Dashboard")

    revoked = await shopfront.say(ADMIN, "/apikey revoke 1")
    again = await shopfront.say(ADMIN, "/apikey revoke 1")

    assert shopfront.sql("SELECT scope FROM api_keys") == [("read",)]
    assert "Key #1 Dashboard is revoked" in (revoked.plain_text or "")
    assert "already revoked" in (again.plain_text or "")


async def test_staff_bad_input_and_groups_get_no_key_and_change_nothing(
    shopfront: Shopfront,
) -> None:
    await shopfront.shop_with_staff()
    before = shopfront.state()

    staff = await shopfront.say(STAFF, "/apikey new Till write")
    bad = await shopfront.say(ADMIN, "/apikey make Till")
    missing = await shopfront.say(ADMIN, "/apikey revoke 7")
    shopfront.api.create_group(-4001)
    marker = shopfront.api.mark()
    shopfront.api.send_message(ADMIN, "/apikey new Till write", chat_id=-4001)
    group = await shopfront.api.await_message(-4001, after=marker)

    assert "Only a shop admin can do that." in (staff.plain_text or "")
    assert "Usage: /apikey new NAME" in (bad.plain_text or "")
    assert "Key 7 was not found." in (missing.plain_text or "")
    assert (group.plain_text or "").startswith("🔒 Send me this privately")
    assert shopfront.state() == before
    assert shopfront.sql("SELECT count(*) FROM api_keys") == [(0,)]
