"""Helpers for reply texts in Telegram HTML: escaping, bold, times, numbers, long lists."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from core.wording import count

MAX_MESSAGE = 4096
# Headroom below Telegram's limit: HTML tags and entities do not count after parsing, but
# staying clearly under it means no reply is ever refused for its length.
CHUNK = 3800


def esc(text: str) -> str:
    """User data made safe for Telegram HTML: `<b>Tea & Co</b>` shows as typed."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    """Escaped and bold."""
    return f"<b>{esc(text)}</b>"


def when(moment: datetime, zone: tzinfo) -> str:
    """A time as shop staff read it, in the shop's time zone: `2 Mar 09:15`."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %H:%M}"


def signed(delta: int) -> str:
    """+10, -3, ±0."""
    if delta > 0:
        return f"+{count(delta)}"
    return f"-{count(-delta)}" if delta < 0 else "±0"


def chunks(lines: Iterable[str], limit: int = CHUNK) -> list[str]:
    """Pack lines into as few messages as fit, never cutting a line."""
    messages: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            messages.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        messages.append(current)
    return messages


def day(on: date) -> str:
    """A date as shop staff read it: `Fri 4 Dec`."""
    return f"{on:%a} {on.day} {on:%b}"
