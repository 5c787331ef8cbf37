"""Command arguments to typed values; anything malformed is a Refusal with the usage line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import Refusal
from bot.texts import parsing as texts
from core.errors import InvalidInput
from core.validation import clean_item_name

_WHOLE = re.compile(r"[+-]?\d+")
# Tokens that were meant as a number, even if malformed (2.5, 1,000, -3).
_NUMBERISH = re.compile(r"[+-]?\d[\d.,_']*")
_ALERT_ID = re.compile(r"#?(\d+)")
_QUOTED = re.compile(r"\s*[\"“”«»„](.*?)[\"“”«»]\s*(.*)", re.DOTALL)
# More digits than any id or quantity can have; int() of a huge string is slow, refuse early.
MAX_DIGITS = 18
SHOWN = 40


def usage_error(text: str) -> Refusal:
    """A refusal that asks for the command's usage line."""
    return Refusal(text, show_usage=True)


def shorten(text: str, limit: int = SHOWN) -> str:
    """Text cut for quoting back to the user."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def looks_numeric(token: str) -> bool:
    """The token was meant as a number."""
    return bool(_NUMBERISH.fullmatch(token))


def whole_number(token: str, what: str) -> int:
    """A whole number typed by a user; its range is the core's to judge."""
    token = token.strip()
    if not _WHOLE.fullmatch(token):
        raise usage_error(texts.NOT_WHOLE.format(what=what, shown=shorten(token)))
    if len(token.lstrip("+-")) > MAX_DIGITS:
        raise usage_error(texts.TOO_LARGE.format(what=what))
    return int(token)


@dataclass(frozen=True)
class NameAndNumbers:
    name: str
    numbers: tuple[str, ...]


def name_and_numbers(text: str, *, required: int, optional: int = 0) -> NameAndNumbers:
    """Split `NAME N [M]`: names may contain spaces, so the numbers are the last tokens.

    A name in quotes ("Pack of 12" 5) may end in a number itself."""
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        name, rest = quoted.group(1), quoted.group(2).split()
        if not required <= len(rest) <= required + optional:
            raise usage_error(texts.NUMBERS_AFTER_QUOTES)
        return NameAndNumbers(name, tuple(rest))
    tokens = text.split()
    take = required
    while take < required + optional and len(tokens) > take + 1:
        if not looks_numeric(tokens[-take - 1]):
            break
        take += 1
    if len(tokens) <= take:
        raise usage_error(texts.NAME_THEN_NUMBER)
    return NameAndNumbers(" ".join(tokens[:-take]), tuple(tokens[-take:]))


def item_name(text: str) -> str:
    """An item name argument, checked by the core's own rules for names; required."""
    name = " ".join(text.split())
    if not name:
        raise usage_error(texts.NO_ITEM_NAME)
    quoted = _QUOTED.fullmatch(name)
    name = quoted.group(1) if quoted and not quoted.group(2) else name
    try:
        return clean_item_name(name)
    except InvalidInput as error:
        raise usage_error(error.message) from None


def alert_id(text: str) -> int:
    """An alert id as users see it: 12 or #12."""
    match = _ALERT_ID.fullmatch(text.strip())
    if match is None:
        raise usage_error(texts.BAD_ALERT_ID)
    if len(match.group(1)) > MAX_DIGITS:
        raise Refusal(texts.ALERT_NOT_FOUND.format(shown=shorten(match.group(1), 20)))
    return int(match.group(1))


def is_alert_id(text: str) -> bool:
    """`/resolve 12` means an alert; `/resolve Green tea` an item."""
    return _ALERT_ID.fullmatch(text.strip()) is not None


def alert_or_item(text: str) -> dict[str, int | str]:
    """The service arguments naming an alert: `12` or `#12` is its id, anything else the name
    of the item whose open alert it is."""
    return {"alert_id": alert_id(text)} if is_alert_id(text) else {"item_name": item_name(text)}


def on_off(text: str) -> bool:
    """`on` or `off`."""
    word = text.strip().casefold()
    if word not in ("on", "off"):
        raise usage_error(texts.ON_OR_OFF)
    return word == "on"


def off_or_value(text: str, what: str) -> str | None:
    """`off` clears a setting (None); anything else is the new value."""
    value = " ".join(text.split())
    if not value:
        raise usage_error(texts.VALUE_OR_OFF.format(what=what))
    return None if value.casefold() == "off" else value
