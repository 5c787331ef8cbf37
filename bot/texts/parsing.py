"""What the bot says about arguments it cannot read (plain text: handlers escape refusals)."""

from __future__ import annotations

from core.validation import MAX_QUANTITY

# The numbers and values users type, as the refusals below name them.
QUANTITY = "The quantity"
AMOUNT = "The amount"
THRESHOLD = "The threshold"
EMAIL_ADDRESS = "your email address"
WHATSAPP_NUMBER = "your number in international form"
QUIET_HOURS = "your quiet hours (like 21:00-07:30)"

NUMBERS_AFTER_QUOTES = "Put the numbers after the quoted name."
NAME_THEN_NUMBER = "Give the item name and then the number."
NO_ITEM_NAME = "Give the item name."
BAD_ALERT_ID = "Alert IDs are numbers, like 12: /alerts lists them."
ON_OR_OFF = "Say on or off."
# To fill in with str.format: `what` is one of the names above, `shown` what the user typed.
NOT_WHOLE = "{what} must be a whole number, not “{shown}”."
TOO_LARGE = f"{{what}} can be at most {MAX_QUANTITY:,}."
ALERT_NOT_FOUND = "Alert #{shown} was not found."
VALUE_OR_OFF = "Give {what}, or off to clear it."
