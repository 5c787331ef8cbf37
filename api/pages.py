"""Cursor pagination: a page answers `next_cursor`, opaque to clients, that the next request
sends back as `cursor`; None when there is no more."""

from __future__ import annotations

import base64
import binascii

from api.problems import Problem

MAX_LIMIT = 100


def next_cursor(last_id: int | None, more: bool) -> str | None:
    """The cursor of the page after the one ending at `last_id`."""
    if not more or last_id is None:
        return None
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def after_of(cursor: str | None) -> int:
    """The id a cursor continues after (0 for the first page); 422 for a cursor this API
    did not give."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        word, _, number = base64.urlsafe_b64decode(padded).decode().partition(":")
        after = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(422, "This cursor is not one the API gave: start without it.") from None
    if word != "after" or not 0 <= after < 2**63:
        raise Problem(422, "This cursor is not one the API gave: start without it.")
    return after
