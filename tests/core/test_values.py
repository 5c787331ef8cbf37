"""What users type, validated: item names, quantities, email addresses and WhatsApp numbers."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import AlreadyExists, InvalidInput
from core.stock import changes
from core.stock.queries import list_items
from core.validation import normalize_email, normalize_whatsapp_number
from tests.core.conftest import ShopFixture, snapshot


def test_names_differing_only_in_case_and_spacing_are_the_same_item(shop: ShopFixture) -> None:
    item = shop.add_item("  Green \t Tea ", 3).item

    change = shop.run(changes.add_stock, telegram_user_id=shop.admin, name="GREEN TEA", amount=2)

    assert item.name == "Green Tea"
    assert (change.item.id, change.item.quantity) == (item.id, 5)


def test_creating_a_second_item_with_the_same_name_is_refused_and_changes_nothing(
    shop: ShopFixture,
) -> None:
    shop.add_item("Green  Tea", 3)
    before = snapshot(shop.db)

    with pytest.raises(AlreadyExists) as refused:
        shop.add_item("green tea", 40)

    assert "already an item called" in str(refused.value)
    assert "green tea" in str(refused.value)
    assert snapshot(shop.db) == before


def test_names_of_one_to_sixty_four_characters_are_accepted(shop: ShopFixture) -> None:
    shop.add_item("x", 1)
    shop.add_item("y" * 64, 1)

    page = shop.run(list_items, telegram_user_id=shop.admin)
    assert [item.name for item in page.items] == ["x", "y" * 64]


def test_a_name_that_grows_when_case_folded_is_still_accepted(shop: ShopFixture) -> None:
    # German ß (and capital ẞ) fold to "ss": the comparison form is longer than the name.
    change = shop.add_item("ß" * 64, 2)

    assert change.item.name == "ß" * 64
    found = shop.run(changes.add_stock, telegram_user_id=shop.admin, name="ẞ" * 64, amount=1)
    assert found.item.id == change.item.id


@pytest.mark.parametrize(
    "name",
    [
        "\u0686\u0627\u06cc \u0633\u0628\u0632 \u0646\u06cc\u0645\u200c\u06a9\u06cc\u0644\u0648",
        "Mugs \U0001f469\u200d\U0001f373",
    ],
    ids=["persian-with-zero-width-non-joiner", "emoji-with-zero-width-joiner"],
)
def test_names_that_need_invisible_joiners_are_accepted(shop: ShopFixture, name: str) -> None:
    # Persian spelling needs the non-joiner; multi-part emoji need the joiner.
    change = shop.add_item(name, 4)

    found = shop.run(changes.add_stock, telegram_user_id=shop.admin, name=name, amount=1)
    assert (change.item.name, found.item.id) == (name, change.item.id)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("  \t ", "empty"),
        ("z" * 65, "at most 64 characters"),
        ("Tea\x00", "control characters"),
        ("Bell\x07", "control characters"),
        ("\x1b[31mRed", "control characters"),
        ("Zero\u200bWidth", "control characters"),
        ("Back\u202ewards", "control characters"),
    ],
)
def test_bad_item_names_are_refused_and_change_nothing(
    shop: ShopFixture, name: str, reason: str
) -> None:
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.add_item(name, 5)

    assert reason in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize("quantity", [0, 1, 1_000_000_000])
def test_quantities_from_zero_to_a_billion_are_accepted(shop: ShopFixture, quantity: int) -> None:
    assert shop.add_item("Salt", quantity).item.quantity == quantity


BAD_QUANTITIES = [
    (-1, "cannot be negative"),
    (1_000_000_001, "at most 1,000,000,000"),
    (True, "whole number"),
    (2.5, "whole number"),
    ("5", "whole number"),
    (None, "whole number"),
]


@pytest.mark.parametrize(("quantity", "reason"), BAD_QUANTITIES)
def test_creating_with_a_bad_quantity_is_refused_and_changes_nothing(
    shop: ShopFixture, quantity: Any, reason: str
) -> None:
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.add_item("Salt", quantity)

    assert reason in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize(("threshold", "reason"), BAD_QUANTITIES[:3])
def test_creating_with_a_bad_threshold_is_refused_and_changes_nothing(
    shop: ShopFixture, threshold: Any, reason: str
) -> None:
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.add_item("Salt", 10, threshold)

    assert "threshold" in str(refused.value)
    assert reason in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize(("quantity", "reason"), BAD_QUANTITIES[:3])
def test_setting_a_bad_quantity_is_refused_and_changes_nothing(
    shop: ShopFixture, quantity: Any, reason: str
) -> None:
    shop.add_item("Salt", 10)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.run(changes.set_quantity, telegram_user_id=shop.admin, name="Salt", quantity=quantity)

    assert reason in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize("service", [changes.add_stock, changes.remove_stock])
@pytest.mark.parametrize(
    ("amount", "reason"),
    [(0, "at least 1"), (-3, "cannot be negative"), (1.5, "whole number")],
)
def test_adding_or_removing_a_bad_amount_is_refused_and_changes_nothing(
    shop: ShopFixture, service: Any, amount: Any, reason: str
) -> None:
    shop.add_item("Salt", 10)
    before = snapshot(shop.db)

    with pytest.raises(InvalidInput) as refused:
        shop.run(service, telegram_user_id=shop.admin, name="Salt", amount=amount)

    assert reason in str(refused.value)
    assert snapshot(shop.db) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("anna@example.com", "anna@example.com"),
        ("  Anna.Smith@EXAMPLE.Com ", "Anna.Smith@example.com"),
        ("josé@bücher.de", "josé@bücher.de"),
    ],
)
def test_email_addresses_are_normalized(typed: str, stored: str) -> None:
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("anna", "must have an @-sign"),
        ("anna@", "after the @-sign"),
        ("anna@localhost", "after the @-sign"),
        ("an na@example.com", "not a valid email address"),
        ("", "not a valid email address"),
    ],
)
def test_malformed_email_addresses_are_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_email(typed)

    assert "not a valid email address" in str(refused.value)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+14155552671", "+14155552671"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("whatsapp:+14155552671", "+14155552671"),
    ],
)
def test_whatsapp_numbers_are_stored_in_e164_form(typed: str, stored: str) -> None:
    assert normalize_whatsapp_number(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("004420 7946 0958", "international form with +"),
        ("4155552671", "international form with +"),
        ("+1abcdefghij", "not a valid phone number"),
        ("+1 800 FLOWERS", "not a valid phone number"),
        ("+1415555267a", "not a valid phone number"),
        ("+1415", "not a valid phone number"),
        ("+", "not a valid phone number"),
        ("+999 123 456 789", "not a valid phone number"),
    ],
)
def test_bad_whatsapp_numbers_are_refused_with_an_example(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_whatsapp_number(typed)

    assert reason in str(refused.value)
    assert "+14155550123" in str(refused.value)
