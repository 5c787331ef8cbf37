"""How typed arguments are read: names with spaces, numbers last, quotes, ids."""

from __future__ import annotations

import pytest

from bot.errors import Refusal
from bot.parsing import alert_id, item_name, name_and_numbers, whole_number


@pytest.mark.parametrize(
    ("typed", "name", "numbers"),
    [
        ("Green tea 10", "Green tea", ("10",)),
        ("Size 10 shoes 3", "Size 10 shoes", ("3",)),
        ("  Green   tea  10 ", "Green tea", ("10",)),
        ('"Pack of 12" 5', "Pack of 12", ("5",)),
        ("“Pack of 12” 5", "Pack of 12", ("5",)),
        ("Tom's tea 4", "Tom's tea", ("4",)),
    ],
)
def test_the_number_is_the_last_word_and_the_rest_is_the_name(
    typed: str, name: str, numbers: tuple[str, ...]
) -> None:
    parsed = name_and_numbers(typed, required=1)

    assert (parsed.name, parsed.numbers) == (name, numbers)


@pytest.mark.parametrize(
    ("typed", "name", "numbers"),
    [
        ("Green tea 10 3", "Green tea", ("10", "3")),
        ("Green tea 10", "Green tea", ("10",)),
        ("10 3", "10", ("3",)),
        ('"Pack of 12" 24 6', "Pack of 12", ("24", "6")),
    ],
)
def test_an_optional_second_number_follows_the_first(
    typed: str, name: str, numbers: tuple[str, ...]
) -> None:
    parsed = name_and_numbers(typed, required=1, optional=1)

    assert (parsed.name, parsed.numbers) == (name, numbers)


@pytest.mark.parametrize("typed", ["", "10", '"Green tea"', '"Green tea" 1 2 3'])
def test_a_missing_name_or_number_is_a_usage_error(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        name_and_numbers(typed, required=1)

    assert refused.value.show_usage


@pytest.mark.parametrize(
    ("typed", "value"), [("12", 12), ("+3", 3), ("-4", -4), ("007", 7), ("١٢", 12)]
)
def test_whole_numbers_are_read_and_their_range_left_to_the_core(typed: str, value: int) -> None:
    assert whole_number(typed, "The amount") == value


@pytest.mark.parametrize("typed", ["2.5", "1,000", "ten", "", "1e3", "½"])
def test_anything_but_a_whole_number_is_refused(typed: str) -> None:
    with pytest.raises(Refusal, match="The amount must be a whole number"):
        whole_number(typed, "The amount")


def test_a_number_with_thousands_of_digits_is_refused_quickly() -> None:
    with pytest.raises(Refusal, match="at most 1,000,000,000"):
        whole_number("9" * 5000, "The amount")


@pytest.mark.parametrize(("typed", "value"), [("12", 12), ("#12", 12), (" 7 ", 7)])
def test_alert_ids_may_be_written_with_a_hash(typed: str, value: int) -> None:
    assert alert_id(typed) == value


def test_an_item_name_is_checked_by_the_cores_rules() -> None:
    assert item_name('  "Green   tea" ') == "Green tea"
    with pytest.raises(Refusal, match="at most 64 characters") as refused:
        item_name("x" * 65)
    assert refused.value.show_usage
