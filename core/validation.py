"""Validation of the plain values users type: item names, quantities, emails, phone numbers,
time zones."""

from __future__ import annotations

import functools
import re
import unicodedata
import zoneinfo
from datetime import date, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.errors import InvalidInput

# The schema's CHECK constraints use these limits too.
MAX_QUANTITY = 1_000_000_000
MAX_NAME_LENGTH = 64
MAX_SKU_LENGTH = 64
# Digits and the separators people write between them; letters would be read as a keypad
# "vanity" number (+1 800 FLOWERS) and stored as digits the user never typed.
_PHONE_CHARACTERS = re.compile(r"\+[\d\s().-]+")
# Invisible format characters that spelling needs: the zero-width non-joiner is part of
# everyday Persian writing, the joiner builds multi-part emoji (a woman cook, a family).
_JOINERS = frozenset("\u200c\u200d")


def _is_control(char: str) -> bool:
    if char.isspace() or char in _JOINERS:
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co")


def clean_item_name(raw: str) -> str:
    """The name as it will be stored: trimmed, runs of white space folded to one space."""
    # A printable string has no character of the "Other" categories, so the per-character
    # check (slow in Python, and run on every command that names an item) can be skipped.
    if not raw.isprintable() and any(_is_control(char) for char in raw):
        raise InvalidInput("Item names cannot contain control characters.")
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("The item name is empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"Item names are at most {MAX_NAME_LENGTH} characters.")
    return name


def item_name_key(raw: str) -> str:
    """The form names are compared in: folded white space, case-insensitive."""
    return clean_item_name(raw).casefold()


def clean_sku(raw: str) -> str:
    """A SKU: 1 to 64 printable characters without spaces, compared exactly as the point of sale
    sends it."""
    sku = raw.strip()
    if not sku or len(sku) > MAX_SKU_LENGTH:
        raise InvalidInput(f"A SKU has 1 to {MAX_SKU_LENGTH} characters.")
    if any(char.isspace() or not char.isprintable() for char in sku):
        raise InvalidInput("A SKU has no spaces or control characters.")
    return sku


def check_quantity(value: int, *, what: str = "Quantity") -> int:
    """A whole number from 0 to a billion."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be a whole number.")
    if value < 0:
        raise InvalidInput(f"{what} cannot be negative.")
    if value > MAX_QUANTITY:
        raise InvalidInput(f"{what} can be at most {MAX_QUANTITY:,}.")
    return value


def check_amount(value: int) -> int:
    """A positive number of units to add or remove."""
    check_quantity(value, what="The amount")
    if value == 0:
        raise InvalidInput("The amount must be at least 1.")
    return value


def normalize_email(raw: str) -> str:
    """A syntactically valid email address, normalized; no DNS look-up."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"That is not a valid email address: {exc}") from None
    return result.normalized


def normalize_whatsapp_number(raw: str) -> str:
    """A valid phone number in E.164 form (`+14155550123`)."""
    text = raw.strip().removeprefix("whatsapp:")
    if not text.startswith("+"):
        raise InvalidInput("Write the number in international form with +, like +14155550123.")
    if not _PHONE_CHARACTERS.fullmatch(text):
        raise InvalidInput("That is not a valid phone number, e.g. +14155550123.")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput("That is not a valid phone number, e.g. +14155550123.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("That is not a valid phone number, e.g. +14155550123.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def normalize_zone(raw: str) -> str:
    """An IANA time zone name as the zone database spells it (`europe/berlin` → `Europe/Berlin`)."""
    name = _zones_by_folded_name().get(raw.strip().casefold())
    if name is None:
        raise InvalidInput("That is not a time zone I know: use its IANA name, like Europe/Berlin.")
    return name


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_IN_DAYS = re.compile(r"(\d{1,3})\s*(d|w)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LATEST_DUE = timedelta(days=365)
DUE_FORMS = "Say when it is due: fri, 2026-12-05, 3d, 2w or tomorrow (within a year)."


def _weekday(word: str) -> int | None:
    """Monday = 0, … for `fri`, `friday` or any start of a day's name of 3 letters or more."""
    for number, name in enumerate(_DAY_NAMES):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None


def looks_like_due_date(word: str) -> bool:
    """Whether a word is written as an expected date is (`fri`, `3d`, `2026-12-05`, …), so
    that `/ordered Green tea 48 fri` can tell the date from the name."""
    word = word.strip().casefold()
    return (
        word in ("today", "tomorrow")
        or _weekday(word) is not None
        or bool(_IN_DAYS.fullmatch(word) or _ISO_DATE.fullmatch(word))
    )


def parse_due_date(raw: str, today: date) -> date:
    """An expected date as staff type it, on the shop's `today`: a weekday (the next one
    after today), `tomorrow`, `3d`, `2w`, or `2026-12-05`; today at the earliest."""
    word = raw.strip().casefold()
    due: date | None = None
    if word in ("today", "tomorrow"):
        due = today + timedelta(days=int(word == "tomorrow"))
    elif (weekday := _weekday(word)) is not None:
        due = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    elif match := _IN_DAYS.fullmatch(word):
        due = today + timedelta(days=int(match.group(1)) * (7 if match.group(2) == "w" else 1))
    elif _ISO_DATE.fullmatch(word):
        try:
            due = date.fromisoformat(word)
        except ValueError:
            due = None
    if due is None or not today <= due <= today + LATEST_DUE:
        raise InvalidInput(DUE_FORMS)
    return due


_QUIET = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
QUIET_FORMS = "Say from when to when, like 21:00-07:30, or off."


def parse_quiet_hours(raw: str) -> tuple[int, int]:
    """`21:00-07:30` as minutes after midnight (from, until); they may span midnight."""
    match = _QUIET.fullmatch(raw.strip())
    if match is None:
        raise InvalidInput(QUIET_FORMS)
    hours_from, minutes_from, hours_until, minutes_until = (int(part) for part in match.groups())
    if max(hours_from, hours_until) > 23 or max(minutes_from, minutes_until) > 59:
        raise InvalidInput(QUIET_FORMS)
    start, end = hours_from * 60 + minutes_from, hours_until * 60 + minutes_until
    if start == end:
        raise InvalidInput("Quiet hours need an end that differs from their start.")
    return start, end


_LENGTH = re.compile(r"(\d{1,4})\s*([a-z])")
_UNIT_LENGTHS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def parse_length(raw: str, units: str) -> timedelta:
    """`30m`, `4h`, `2d` or `1w` (of the unit letters in `units`) as a span of time; zero for
    anything else, which every caller's lower bound then refuses."""
    match = _LENGTH.fullmatch(raw.strip().casefold())
    if match is None or match.group(2) not in units:
        return timedelta(0)
    return int(match.group(1)) * _UNIT_LENGTHS[match.group(2)]
