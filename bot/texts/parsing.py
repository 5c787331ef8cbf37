"""What the bot says about arguments it cannot read (plain text: handlers escape refusals)."""

from __future__ import annotations

from core.validation import MAX_QUANTITY

# The numbers and values users type, as the refusals below name them.
QUANTITY = "The quantity"
AMOUNT = "The amount"
THRESHOLD = "The threshold"
EMAIL_ADDRESS = "your email address"
WHATSAPP_NUMBER = "your number in international form"

NUMBERS_AFTER_QUOTES = "Put the numbers after the quoted name."
NAME_THEN_NUMBER = "Give the item name and then the number."
NO_ITEM_NAME = "Give the item name."
BAD_ALERT_ID = "Alert IDs are numbers, like 12: /alerts lists them."
ON_OR_OFF = "Say on or off."


def not_whole(what: str, shown: str) -> str:
    """A number that is not a whole number, quoted back as typed."""
    return f"{what} must be a whole number, not “{shown}”."


def too_large(what: str) -> str:
    """A number with more digits than any quantity can have."""
    return f"{what} can be at most {MAX_QUANTITY:,}."


def alert_not_found(shown: str) -> str:
    """An alert id too long to be one."""
    return f"Alert #{shown} was not found."


def value_or_off(what: str) -> str:
    """A setting given without its value."""
    return f"Give {what}, or off to clear it."
