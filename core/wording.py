"""Shared wording for every channel: how numbers and "low" are said to people."""

from __future__ import annotations


def count(number: int) -> str:
    """A whole number with thousands separators: 1,250."""
    return f"{number:,}"


def low_phrase(quantity: int, threshold: int) -> str:
    """What low means for this item: "3 left, below the threshold of 5"."""
    if quantity == 0:
        return f"out of stock, below the threshold of {count(threshold)}"
    return f"{count(quantity)} left, below the threshold of {count(threshold)}"
