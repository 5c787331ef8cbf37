"""Shared wording for every channel: how numbers and "low" are said to people."""

from __future__ import annotations

from datetime import date


def count(number: int) -> str:
    """A whole number with thousands separators: 1,250."""
    return f"{number:,}"


def low_phrase(quantity: int, threshold: int) -> str:
    """What low means for this item: "3 left, below the threshold of 5"."""
    if quantity == 0:
        return f"out of stock, below the threshold of {count(threshold)}"
    return f"{count(quantity)} left, below the threshold of {count(threshold)}"


def short_date(on: date) -> str:
    """A date as it reads in a message: `4 Dec`."""
    return f"{on.day} {on:%b}"


def order_phrase(quantity: int, ordered_on: date, due: date, days_late: int) -> str:
    """`⏰ ordered 48 on 1 Dec, due 4 Dec: 2 days late`, or `📦 48 ordered on 1 Dec, due
    4 Dec` while it is not late."""
    when = f"on {short_date(ordered_on)}, due {short_date(due)}"
    if days_late <= 0:
        return f"📦 {count(quantity)} ordered {when}"
    late = "1 day" if days_late == 1 else f"{count(days_late)} days"
    return f"⏰ ordered {count(quantity)} {when}: {late} late"


def span(seconds: int) -> str:
    """A length of time in the largest whole unit: `4 hours`, `30 minutes`, `2 days`."""
    unit, size = next(
        (unit, size)
        for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60))
        if (seconds >= size and seconds % size == 0) or unit == "minute"
    )
    number = max(seconds // size, 1)
    return f"{count(number)} {unit}{'' if number == 1 else 's'}"
