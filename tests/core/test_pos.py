"""Point-of-sale connections (/connect) and item SKUs (/sku), on both databases."""

from __future__ import annotations

import pytest

from core.db.session import Database
from core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from core.shops import pos
from core.stock import changes, skus
from tests.core.conftest import ShopFixture, build_shop, snapshot

BASE = "https://stock.example.com"
SECRET = "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"


def test_connect_gives_the_webhook_url_and_hides_the_secret(shop: ShopFixture) -> None:
    made = shop.run(
        pos.connect,
        telegram_user_id=shop.admin,
        provider="Shopify",
        secret=SECRET,
        public_base_url=BASE,
    )

    assert made.name == "shopify"
    assert made.provider == "shopify"
    assert made.secret_hint == "shpss_…1706"
    assert made.webhook_url is not None
    prefix = f"{BASE}/v1/integrations/shopify/"
    assert made.webhook_url.startswith(prefix)
    token = made.webhook_url.removeprefix(prefix)
    assert len(token) == 43
    assert SECRET not in repr(made)
    found = shop.run(pos.connection_for, provider="shopify", token=token)
    assert found is not None
    assert (found.provider, found.name, found.secret) == ("shopify", "shopify", SECRET)
    assert SECRET not in repr(found)


def test_connect_without_a_public_address_gives_no_url(shop: ShopFixture) -> None:
    made = shop.run(
        pos.connect,
        telegram_user_id=shop.admin,
        provider="square",
        secret="short",
        public_base_url=None,
    )

    assert made.webhook_url is None
    assert made.secret_hint == "set"


def test_second_connection_of_a_provider_gets_the_next_name_even_after_one_is_off(
    shop: ShopFixture,
) -> None:
    for _ in range(2):
        shop.run(
            pos.connect,
            telegram_user_id=shop.admin,
            provider="shopify",
            secret=SECRET,
            public_base_url=BASE,
        )
    gone = shop.run(pos.disconnect, telegram_user_id=shop.admin, name="Shopify")
    third = shop.run(
        pos.connect,
        telegram_user_id=shop.admin,
        provider="shopify",
        secret=SECRET,
        public_base_url=BASE,
    )
    listed = shop.run(pos.list_connections, telegram_user_id=shop.admin, public_base_url=BASE)

    assert (gone.name, gone.active, gone.webhook_url) == ("shopify", False, None)
    assert third.name == "shopify-3"
    assert [c.name for c in listed] == ["shopify-2", "shopify-3"]
    assert all(c.webhook_url and c.webhook_url.startswith(BASE) for c in listed)


def test_a_disabled_or_unknown_connection_or_another_provider_is_not_found(
    shop: ShopFixture,
) -> None:
    made = shop.run(
        pos.connect,
        telegram_user_id=shop.admin,
        provider="square",
        secret=SECRET,
        public_base_url=BASE,
    )
    assert made.webhook_url is not None
    token = made.webhook_url.rsplit("/", 1)[1]

    assert shop.run(pos.connection_for, provider="shopify", token=token) is None
    assert shop.run(pos.connection_for, provider="square", token="x" * 43) is None
    shop.run(pos.disconnect, telegram_user_id=shop.admin, name="square")
    assert shop.run(pos.connection_for, provider="square", token=token) is None


@pytest.mark.parametrize(
    ("provider", "secret", "error"),
    [
        ("clover", SECRET, InvalidInput),
        ("shopify", "", InvalidInput),
        ("shopify", "two words", InvalidInput),
        ("shopify", "x" * 201, InvalidInput),
        ("shopify", "tab\tinside", InvalidInput),
    ],
)
def test_bad_connect_input_is_refused_without_quoting_the_secret_and_changes_nothing(
    shop: ShopFixture, provider: str, secret: str, error: type[Exception]
) -> None:
    before = snapshot(shop.db)

    with pytest.raises(error) as raised:
        shop.run(
            pos.connect,
            telegram_user_id=shop.admin,
            provider=provider,
            secret=secret,
            public_base_url=BASE,
        )

    assert secret not in str(raised.value) or not secret
    assert snapshot(shop.db) == before


def test_staff_can_neither_connect_list_nor_disconnect(shop: ShopFixture) -> None:
    staff = shop.staff[0]
    before = snapshot(shop.db)

    with pytest.raises(NotAllowed):
        shop.run(
            pos.connect,
            telegram_user_id=staff,
            provider="shopify",
            secret=SECRET,
            public_base_url=BASE,
        )
    with pytest.raises(NotAllowed):
        shop.run(pos.list_connections, telegram_user_id=staff)
    with pytest.raises(NotAllowed):
        shop.run(pos.disconnect, telegram_user_id=staff, name="shopify")
    assert snapshot(shop.db) == before


def test_disconnecting_what_does_not_exist_or_is_another_shops_is_not_found(
    shop: ShopFixture, db: Database
) -> None:
    other = build_shop(db, admin=5000)
    other.run(
        pos.connect,
        telegram_user_id=other.admin,
        provider="shopify",
        secret=SECRET,
        public_base_url=BASE,
    )
    before = snapshot(shop.db)

    for name in ("shopify", "nothing"):
        with pytest.raises(NotFound):
            shop.run(pos.disconnect, telegram_user_id=shop.admin, name=name)
    assert snapshot(shop.db) == before


def test_set_sku_sets_and_clears_the_code(shop: ShopFixture) -> None:
    shop.add_item("Green tea", 10)

    set_ = shop.run(skus.set_sku, telegram_user_id=shop.admin, name="green TEA", sku=" GT-250 ")
    cleared = shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Green tea", sku=None)

    assert (set_.name, set_.sku) == ("Green tea", "GT-250")
    assert cleared.sku is None


def test_a_sku_another_live_item_has_is_refused_with_its_name(shop: ShopFixture) -> None:
    shop.add_item("Green tea", 10)
    shop.add_item("Black tea", 10)
    shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Green tea", sku="T-1")
    before = snapshot(shop.db)

    with pytest.raises(AlreadyExists, match="Green tea"):
        shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Black tea", sku="T-1")

    assert snapshot(shop.db) == before
    shop.run(changes.delete_item, telegram_user_id=shop.admin, name="Green tea")
    freed = shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Black tea", sku="T-1")
    assert freed.sku == "T-1"


@pytest.mark.parametrize("sku", ["", "   ", "two words", "x" * 65, "bell\x07"])
def test_bad_skus_are_refused_and_change_nothing(shop: ShopFixture, sku: str) -> None:
    shop.add_item("Green tea", 10)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput):
        shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Green tea", sku=sku)

    assert snapshot(shop.db) == before


def test_sku_of_a_missing_item_or_by_staff_is_refused(shop: ShopFixture) -> None:
    shop.add_item("Green tea", 10)
    before = snapshot(shop.db)

    with pytest.raises(NotFound):
        shop.run(skus.set_sku, telegram_user_id=shop.admin, name="Milk", sku="M-1")
    with pytest.raises(NotAllowed):
        shop.run(skus.set_sku, telegram_user_id=shop.staff[0], name="Green tea", sku="M-1")
    assert snapshot(shop.db) == before
