"""Orders: /ordered NAME [QTY] [DATE], /ordered NAME off. (/received is /add.)"""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, reply, user_of
from bot.parsing import item_name, looks_numeric, usage_error, whole_number
from bot.runner import call_core
from bot.texts import orders as texts
from bot.texts.parsing import QUANTITY
from core.stock import orders
from core.validation import looks_like_due_date


async def ordered(update: Update, context: Context) -> None:
    """/ordered NAME [QTY] [DATE]: record an order; /ordered NAME off cancels it."""
    tokens = args_text(context).split()
    if not tokens:
        raise usage_error(texts.ORDER_WHAT)
    user = user_of(update)
    if len(tokens) > 1 and tokens[-1].casefold() == "off":
        name = item_name(" ".join(tokens[:-1]))
        cancelled = await call_core(context, orders.cancel_order, telegram_user_id=user, name=name)
        await reply(update, context, texts.order_cancelled(cancelled))
        return
    due = tokens.pop() if len(tokens) > 1 and looks_like_due_date(tokens[-1]) else None
    quantity = None
    if len(tokens) > 1 and looks_numeric(tokens[-1]):
        quantity = whole_number(tokens.pop(), QUANTITY)
    change = await call_core(
        context,
        orders.order_item,
        telegram_user_id=user,
        name=item_name(" ".join(tokens)),
        quantity=quantity,
        due=due,
    )
    await reply(update, context, texts.order_recorded(change))
