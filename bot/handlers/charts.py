"""/chart NAME [7d|30d|90d] and the Chart button of /item: the item's stock as a picture,
drawn in a worker thread (never on the event loop)."""

from __future__ import annotations

import asyncio
import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import args_text, button, reply, topic_of, user_of
from bot.parsing import item_name
from bot.runner import call_core
from bot.texts import charts as texts
from bot.texts.common import BUTTON_GONE
from core.charts import draw_stock_chart
from core.stock.history import DEFAULT_SPAN, StockHistory, item_history, span_days

PREFIX = "chart:"
SPAN_WORD = re.compile(r"\d{1,4}[dD]")


def chart_keyboard(item_id: int) -> InlineKeyboardMarkup:
    """The Chart button under an item's details."""
    button_ = InlineKeyboardButton(texts.CHART_BUTTON, callback_data=f"{PREFIX}{item_id}")
    return InlineKeyboardMarkup([[button_]])


def _name_and_span(text: str) -> tuple[str, str]:
    """The item's name, and the span when the last word is one (`90d`; `12d` is refused)."""
    words = text.split()
    if len(words) > 1 and SPAN_WORD.fullmatch(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return text, DEFAULT_SPAN


async def chart(update: Update, context: Context) -> None:
    """/chart NAME [7d|30d|90d] (30 days unless said)."""
    text, span = _name_and_span(args_text(context))
    history = await call_core(
        context,
        item_history,
        telegram_user_id=user_of(update),
        name=item_name(text),
        days=span_days(span),
    )
    await _send(update, context, history)


@button
async def chart_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """The Chart button: the last 30 days of the item it was under."""
    wanted = (query.data or "").removeprefix(PREFIX)
    if not wanted.isdigit():
        raise Refusal(BUTTON_GONE)
    history = await call_core(
        context,
        item_history,
        telegram_user_id=user_of(update),
        item_id=int(wanted),
        days=span_days(DEFAULT_SPAN),
    )
    await _send(update, context, history)
    return None


async def _send(update: Update, context: Context, history: StockHistory) -> None:
    if not history.movements:
        await reply(update, context, texts.no_movements(history))
        return
    executor = context.bot_data.executor
    picture = await asyncio.get_running_loop().run_in_executor(executor, draw_stock_chart, history)
    assert update.effective_chat is not None
    await context.bot.send_photo(
        update.effective_chat.id,
        picture,
        caption=texts.chart_caption(history),
        parse_mode=ParseMode.HTML,
        message_thread_id=topic_of(update),
    )
