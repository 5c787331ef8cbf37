"""/stock [low|TEXT]: the item list, a page at a time, with buttons to turn pages."""

from __future__ import annotations

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
from core.shops import conversations
from core.stock import queries

PAGE_SIZE = 20
PREFIX = "stock:page:"
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class StockFilter:
    only_low: bool = False
    search: str | None = None
    # The id of the kept search a page button carried, so turning pages keeps no more.
    saved: int | None = None


def parse_filter(text: str) -> StockFilter:
    """`low` shows the low items, any other text filters by name, nothing shows all."""
    text = " ".join(text.split())
    if text.casefold() == "low":
        return StockFilter(only_low=True)
    return StockFilter(search=text or None)


def _mode(wanted: StockFilter) -> str:
    return "l" if wanted.only_low else f"s:{wanted.search}" if wanted.search else "a"


def _fits(mode: str, offset: int) -> bool:
    return len(f"{PREFIX}{offset}:{mode}".encode()) <= MAX_CALLBACK_DATA


async def _button_mode(
    context: Context, user_id: int, wanted: StockFilter, offsets: list[int]
) -> str:
    """How the page buttons carry the filter: in their data, or, for a search too long for
    Telegram's 64 bytes, as the id of the search kept in the database."""
    mode = _mode(wanted)
    if all(_fits(mode, offset) for offset in offsets):
        return mode
    if wanted.saved is None:
        assert wanted.search is not None
        saved = await call_core(
            context, conversations.save_search, telegram_user_id=user_id, text=wanted.search
        )
        return f"k:{saved}"
    return f"k:{wanted.saved}"


async def filter_from_data(context: Context, user_id: int, data: str) -> tuple[StockFilter, int]:
    """The filter and offset a page button stands for."""
    offset, _, mode = data.removeprefix(PREFIX).partition(":")
    kind, _, value = mode.partition(":")
    if not offset.isdigit() or kind not in ("a", "l", "s", "k"):
        raise Refusal(texts.PAGE_GONE)
    if kind != "k":
        return StockFilter(only_low=kind == "l", search=value or None), int(offset)
    search = None
    if value.isdigit():
        search = await call_core(
            context, conversations.saved_search, telegram_user_id=user_id, search_id=int(value)
        )
    if not search:
        raise Refusal(texts.LIST_OUT_OF_DATE)
    return StockFilter(search=search, saved=int(value)), int(offset)


async def keyboard(
    context: Context, user_id: int, page: ItemPage, wanted: StockFilter
) -> InlineKeyboardMarkup | None:
    """Previous / Next buttons when the list has more than one page."""
    offsets = []
    if page.offset > 0:
        offsets.append(max(0, page.offset - page.limit))
    if page.offset + page.limit < page.total:
        offsets.append(page.offset + page.limit)
    if not offsets:
        return None
    mode = await _button_mode(context, user_id, wanted, offsets)
    labels = [texts.PREVIOUS if offset < page.offset else texts.NEXT for offset in offsets]
    buttons = [
        InlineKeyboardButton(label, callback_data=f"{PREFIX}{offset}:{mode}")
        for label, offset in zip(labels, offsets, strict=True)
    ]
    return InlineKeyboardMarkup([buttons])


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
    await reply(update, context, text, await keyboard(context, user_of(update), page, wanted))


@button
async def turn_page(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """A page button: show that page of the same list in the same message."""
    user_id = user_of(update)
    wanted, offset = await filter_from_data(context, user_id, query.data or "")
    page = await _page(context, user_id, wanted, offset)
    text = texts.stock_page(page, only_low=wanted.only_low, search=wanted.search)
    markup = await keyboard(context, user_id, page, wanted)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        # Pressed twice: the page is already on screen.
        if "not modified" not in error.message:
            raise
    return None
