"""Telegram texts and buttons of pushed notifications: alert, back in stock, reminder digest,
unknown SKUs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from core.delivery.content import Notice, NoticeItem, read_notice
from core.vocabulary import Kind
from core.wording import count

MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class TelegramMessage:
    """One message to send: HTML text and optional inline buttons."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None


def render_notification(kind: str, payload: Mapping[str, Any]) -> list[TelegramMessage]:
    """The messages of one outbox row, in order (a long digest takes several)."""
    if kind == Kind.WEBHOOK_DISABLED:
        return [webhook_disabled_message(payload)]
    notice = read_notice(kind, payload)
    if notice.kind == "alert":
        return [alert_message(notice.first)]
    if notice.kind == "back_in_stock":
        return [back_in_stock_message(notice.first)]
    if notice.kind == "escalation":
        return [escalation_message(notice)]
    if notice.kind == "unknown_skus":
        return [TelegramMessage(text) for text in unknown_skus_texts(notice)]
    return [TelegramMessage(text) for text in digest_texts(notice)]


def webhook_disabled_message(payload: Mapping[str, Any]) -> TelegramMessage:
    """To the shop's admins: one of its webhook endpoints was switched off, and why."""
    text = (
        f"\N{WARNING SIGN}\N{VARIATION SELECTOR-16} <b>Webhook #{payload['webhook_id']} "
        "switched off</b>\n"
        f"{escape(str(payload['url']))} gets no more events: {escape(str(payload['reason']))}.\n"
        "Fix the receiver, then subscribe it again with POST /v1/webhooks."
    )
    return TelegramMessage(text)


def alert_message(item: NoticeItem) -> TelegramMessage:
    """A new low-stock alert with its Resolve, Restock, I'm on it, Ordered and Snooze 1d
    buttons."""
    title = "Out of stock" if item.quantity == 0 else "Low stock"
    icon = (
        "\N{NO ENTRY SIGN}" if item.quantity == 0 else "\N{WARNING SIGN}\N{VARIATION SELECTOR-16}"
    )
    name = escape(item.name)
    text = (
        f"{icon} <b>{title}: {name}</b>\n"
        f"{name}: {item.low}.\n"
        f"Alert #{item.alert_id} \N{MIDDLE DOT} /alert {item.alert_id}"
    )
    return TelegramMessage(text, alert_buttons(item.alert_id))


def escalation_message(notice: Notice) -> TelegramMessage:
    """An alert nobody handled, sent again to the shop's admins, with the alert's buttons."""
    item = notice.first
    name = escape(item.name)
    text = (
        f"\N{POLICE CARS REVOLVING LIGHT} <b>Unhandled for {notice.unhandled}: {name}</b>\n"
        f"{name}: {item.low}. Nobody has taken it, ordered it or resolved it yet.\n"
        f"Alert #{item.alert_id} \N{MIDDLE DOT} /alert {item.alert_id}"
    )
    return TelegramMessage(text, alert_buttons(item.alert_id))


def alert_buttons(alert_id: int) -> InlineKeyboardMarkup:
    """Resolve (`alert:resolve:<id>`) and Restock (`alert:restock:<id>`), then I'm on it
    (`alert:ack:<id>`), Ordered (`alert:order:<id>`) and Snooze 1d (`alert:snooze:<id>`)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Resolve", callback_data=_data(f"alert:resolve:{alert_id}")),
                InlineKeyboardButton("Restock", callback_data=_data(f"alert:restock:{alert_id}")),
            ],
            [
                InlineKeyboardButton("I'm on it", callback_data=_data(f"alert:ack:{alert_id}")),
                InlineKeyboardButton("Ordered", callback_data=_data(f"alert:order:{alert_id}")),
                InlineKeyboardButton("Snooze 1d", callback_data=_data(f"alert:snooze:{alert_id}")),
            ],
        ]
    )


def _data(data: str) -> str:
    if len(data.encode()) > MAX_CALLBACK_DATA:
        raise ValueError(f"callback data over {MAX_CALLBACK_DATA} bytes: {data!r}")
    return data


def back_in_stock_message(item: NoticeItem) -> TelegramMessage:
    """The short note that an alerted item was restocked."""
    return TelegramMessage(
        f"\N{WHITE HEAVY CHECK MARK} <b>Back in stock: {escape(item.name)}</b> \N{EM DASH} "
        f"{count(item.quantity)} now."
    )


def digest_texts(notice: Notice, limit: int = MAX_TEXT, *, header: str | None = None) -> list[str]:
    """The reminder digest (or another `header`'s list): one line per item, split across
    messages at line boundaries."""
    total = len(notice.items)
    noun = "item" if total == 1 else "items"
    header = header or f"\N{ALARM CLOCK} <b>Still low</b>: {count(total)} {noun}"
    lines = [
        f"\N{BULLET} <b>{escape(item.name)}</b>: {escape(item.line)} "
        f"\N{MIDDLE DOT} /alert {item.alert_id}"
        for item in notice.items
    ]
    return split_lines(header, lines, limit=limit)


def unknown_skus_texts(notice: Notice, limit: int = MAX_TEXT) -> list[str]:
    """The daily list of SKUs a point of sale sent that no item has, with how to match them."""
    total = len(notice.skus) + notice.more
    noun = "SKU" if total == 1 else "SKUs"
    header = (
        f"\N{BLACK QUESTION MARK ORNAMENT} <b>{count(total)} unknown {noun}</b> from your point "
        "of sale: no item has them, so their counts were not applied. Give an item its code "
        "with <code>/sku NAME CODE</code>."
    )
    lines = [
        f"\N{BULLET} <code>{escape(line.sku)}</code> \N{MIDDLE DOT} "
        f"{count(line.times)}\N{MULTIPLICATION SIGN} from {escape(line.source)}"
        for line in notice.skus
    ]
    if notice.more:
        lines.append(f"\N{BULLET} and {count(notice.more)} more")
    return split_lines(header, lines, limit=limit)


def split_lines(
    header: str, lines: Sequence[str], *, limit: int = MAX_TEXT, continued: str = "(continued)"
) -> list[str]:
    """Pack lines into texts within `limit` UTF-16 code units (Telegram's measure), never
    cutting a line; every text after the first starts with `continued`."""
    texts: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}"
        if _length(candidate) <= limit:
            current = candidate
            continue
        texts.append(current)
        current = f"{continued}\n{line}"
        if _length(current) > limit:
            raise ValueError("a single line is longer than a Telegram message")
    texts.append(current)
    return texts


def _length(text: str) -> int:
    # Telegram counts UTF-16 code units; the HTML source is never shorter than what is shown.
    return len(text.encode("utf-16-le")) // 2
