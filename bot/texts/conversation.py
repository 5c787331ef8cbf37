"""What the bot asks, and says about the answers: a new item's name and quantity, a restock."""

from __future__ import annotations

from bot.render import bold
from bot.texts.common import refusal_text

ASK_NAME = "What is the new item called? (/cancel to stop)"
QUANTITY_AS_NUMBER = "Send the quantity as a number, like 24."


def quantity_question(name: str) -> str:
    """Asks how many of a new item there are."""
    return (
        f"How many {bold(name)} are in stock now? Send a number; add a second one for its own "
        "alert threshold, e.g. <code>24 5</code>. (/cancel to stop)"
    )


def restock_question(item_name: str) -> str:
    """Asks how many arrived for a restock."""
    return f"How many {bold(item_name)} arrived? Send a number, e.g. <code>12</code>. (/cancel)"


def name_taken(name: str) -> str:
    """/additem's name question again: an item has that name."""
    return f"There is already an item called {bold(name)}. Another name?"


def answer_again(reason: str) -> str:
    """A refused answer the user can fix by sending it again (the reason is plain text)."""
    return f"{refusal_text(reason)} Send it again, or /cancel."


ORDER_AS_NUMBER_AND_DATE = "Send how many and when they are due, like 48 fri."


def order_question(item_name: str) -> str:
    """Asks what was ordered, after the Ordered button."""
    return (
        f"How many {bold(item_name)} were ordered, and when are they due? Send e.g. "
        "<code>48 fri</code>, <code>48</code> or <code>2026-12-05</code>, or tap the button "
        "for enough to reach twice the threshold, due in 3 days. (/cancel)"
    )
