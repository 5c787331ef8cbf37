"""/stock [low|TEXT]: the item list, a page at a time, with buttons to turn pages."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import args_text, button, reply, user_of
from bot.runner import call_core
from bot.texts import stock as texts
from core.results import ItemPage
from core.stock import queries

PAGE_SIZE = 20
PREFIX = "stock:page:"
MAX_CALLBACK_DATA = 64
SEARCHES = "stock_searches"
KEPT_SEARCHES = 20


@dataclass(frozen=True)
class StockFilter:
    only_low: bool = False
    search: str | None = None


def parse_filter(text: str) -> StockFilter:
    """`low` shows the low items, any other text filters by name, nothing shows all."""
    text = " ".join(text.split())
    if text.casefold() == "low":
        return StockFilter(only_low=True)
    return StockFilter(search=text or None)


def page_data(context: Context, wanted: StockFilter, offset: int) -> str:
    """Callback data for a page: the filter travels in it, so the page shows the same filter.

    A search too long for Telegram's 64 bytes is kept in this user's data under a short key."""
    mode = "l" if wanted.only_low else f"s:{wanted.search}" if wanted.search else "a"
    data = f"{PREFIX}{offset}:{mode}"
    if len(data.encode()) <= MAX_CALLBACK_DATA:
        return data
    assert context.user_data is not None
    assert wanted.search is not None
    searches: dict[str, str] = context.user_data.setdefault(SEARCHES, {})
    counter = context.user_data.setdefault("stock_search_ids", itertools.count(1))
    key = str(next(counter))
    searches[key] = wanted.search
    for old in list(searches)[:-KEPT_SEARCHES]:
        del searches[old]
    return f"{PREFIX}{offset}:k:{key}"


def filter_from_data(context: Context, data: str) -> tuple[StockFilter, int]:
    """The filter and offset a page button stands for."""
    offset, _, mode = data.removeprefix(PREFIX).partition(":")
    kind, _, value = mode.partition(":")
    if not offset.isdigit() or kind not in ("a", "l", "s", "k"):
        raise Refusal(texts.PAGE_GONE)
    if kind == "k":
        value = (context.user_data or {}).get(SEARCHES, {}).get(value, "")
        if not value:
            raise Refusal(texts.LIST_OUT_OF_DATE)
    return StockFilter(only_low=kind == "l", search=value or None), int(offset)


def keyboard(context: Context, page: ItemPage, wanted: StockFilter) -> InlineKeyboardMarkup | None:
    """Previous / Next buttons when the list has more than one page."""
    buttons = []
    if page.offset > 0:
        previous = page_data(context, wanted, max(0, page.offset - page.limit))
        buttons.append(InlineKeyboardButton(texts.PREVIOUS, callback_data=previous))
    if page.offset + page.limit < page.total:
        following = page_data(context, wanted, page.offset + page.limit)
        buttons.append(InlineKeyboardButton(texts.NEXT, callback_data=following))
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def _page(context: Context, user_id: int, wanted: StockFilter, offset: int) -> ItemPage:
    return await call_core(
        context,
        queries.list_items,
        telegram_user_id=user_id,
        only_low=wanted.only_low,
        search=wanted.search,
        offset=offset,
        limit=PAGE_SIZE,
    )


async def stock(update: Update, context: Context) -> None:
    """/stock, /stock low, /stock TEXT: the first page of the list."""
    wanted = parse_filter(args_text(context))
    page = await _page(context, user_of(update), wanted, 0)
    text = texts.stock_page(page, only_low=wanted.only_low, search=wanted.search)
    await reply(update, context, text, keyboard(context, page, wanted))


@button
async def turn_page(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """A page button: show that page of the same list in the same message."""
    wanted, offset = filter_from_data(context, query.data or "")
    page = await _page(context, user_of(update), wanted, offset)
    text = texts.stock_page(page, only_low=wanted.only_low, search=wanted.search)
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=keyboard(context, page, wanted)
        )
    except BadRequest as error:
        # Pressed twice: the page is already on screen.
        if "not modified" not in error.message:
            raise
    return None
