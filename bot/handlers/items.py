"""Items and their quantities: /additem, /set, /add, /remove, /item, /delitem."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from bot.context import Context
from bot.handlers import conversation
from bot.handlers.charts import chart_keyboard
from bot.handlers.common import Handler, args_text, reply, user_of
from bot.parsing import item_name, looks_numeric, name_and_numbers, whole_number
from bot.runner import call_core
from bot.texts import stock as texts
from bot.texts.parsing import AMOUNT, QUANTITY
from core.results import StockChange
from core.stock import changes, muting, queries


async def additem(update: Update, context: Context) -> None:
    """/additem NAME QTY [THRESHOLD]; without a quantity, the bot asks for what is missing."""
    text = args_text(context)
    tokens = text.split()
    if not tokens or not looks_numeric(tokens[-1]):
        await conversation.begin_additem(update, context, text)
        return
    parsed = name_and_numbers(text, required=1, optional=1)
    change = await conversation.add_new_item(update, context, parsed.name, parsed.numbers)
    await reply(update, context, texts.stock_change(change, "create"))


def _quantity_command(service: Callable[..., StockChange], what: str, reason: str) -> Handler:
    """The handler of /set, /add or /remove: NAME then a number, one core call, the change."""

    async def handler(update: Update, context: Context) -> None:
        parsed = name_and_numbers(args_text(context), required=1)
        number = whole_number(parsed.numbers[0], what)
        keyword = "quantity" if reason == "set" else "amount"
        change = await call_core(
            context,
            service,
            telegram_user_id=user_of(update),
            name=parsed.name,
            **{keyword: number},
        )
        await reply(update, context, texts.stock_change(change, reason))

    handler.__doc__ = f"/{reason} NAME N"
    return handler


set_quantity = _quantity_command(changes.set_quantity, QUANTITY, "set")
add = _quantity_command(changes.add_stock, AMOUNT, "add")
remove = _quantity_command(changes.remove_stock, AMOUNT, "remove")


async def item(update: Update, context: Context) -> None:
    """/item NAME: quantity, threshold, open alert, last movements."""
    name = item_name(args_text(context))
    details = await call_core(
        context, queries.item_details, telegram_user_id=user_of(update), name=name
    )
    await reply(update, context, texts.item_details(details), chart_keyboard(details.item.id))


async def delitem(update: Update, context: Context) -> None:
    """/delitem NAME (admins): the item goes, its open alert is resolved as deleted."""
    name = item_name(args_text(context))
    change = await call_core(
        context, changes.delete_item, telegram_user_id=user_of(update), name=name
    )
    await reply(update, context, texts.deleted(change))


async def mute(update: Update, context: Context) -> None:
    """/mute NAME (admins): the item never alerts; its open alert is resolved."""
    name = item_name(args_text(context))
    change = await call_core(context, muting.mute_item, telegram_user_id=user_of(update), name=name)
    await reply(update, context, texts.muted(change))


async def unmute(update: Update, context: Context) -> None:
    """/unmute NAME (admins): the item alerts again, at once if it is low."""
    name = item_name(args_text(context))
    change = await call_core(
        context, muting.unmute_item, telegram_user_id=user_of(update), name=name
    )
    await reply(update, context, texts.unmuted(change))
