"""Short questions the bot asks (a new item's name and quantity, a restock amount, what was
ordered) and the answers, which arrive as plain messages. /cancel or any other command leaves
the question."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import reply, user_of
from bot.handlers.questions import (
    AdditemQuantity,
    AskName,
    OrderDetails,
    Question,
    RestockAmount,
    ask,
    forget_question,
)
from bot.parsing import usage_error, whole_number
from bot.render import MAX_MESSAGE
from bot.runner import call_core
from bot.texts import conversation as texts
from bot.texts.common import refusal_text
from bot.texts.orders import order_recorded, ordered_note
from bot.texts.parsing import AMOUNT, QUANTITY, THRESHOLD
from bot.texts.stock import stock_change
from core.errors import CoreError
from core.results import OrderChange, StockChange
from core.shops import members
from core.stock import changes, orders, queries
from core.validation import clean_item_name, looks_like_due_date


async def note_order(context: Context, pending: OrderDetails, change: OrderChange) -> None:
    """Say the order on the alert message whose Ordered button was pressed; its buttons stay."""
    message = pending.on_message
    if message is None:
        return
    text = message.text_html + ordered_note(change)
    if len(text) > MAX_MESSAGE:
        return
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=message.chat_id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=message.markup(),
        )
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


async def begin_additem(update: Update, context: Context, text: str) -> None:
    """`/additem` or `/additem NAME`: ask for what is missing, name then quantity."""
    await call_core(context, members.get_member, telegram_user_id=user_of(update))
    if not text.strip():
        await ask(update, context, AskName(), texts.ASK_NAME)
        return
    await _name(update, context, text)


async def _name(update: Update, context: Context, text: str) -> None:
    name = clean_item_name(text)
    try:
        await call_core(context, queries.item_details, telegram_user_id=user_of(update), name=name)
    except Refusal:  # no such item yet: good
        await ask(update, context, AdditemQuantity(name), texts.quantity_question(name))
        return
    await ask(update, context, AskName(), texts.name_taken(name))


async def add_new_item(
    update: Update, context: Context, name: str, numbers: Sequence[str]
) -> StockChange:
    """Create the item from its quantity and optional threshold, as the user typed them."""
    quantity = whole_number(numbers[0], QUANTITY)
    threshold = whole_number(numbers[1], THRESHOLD) if numbers[1:] else None
    return await call_core(
        context,
        changes.create_item,
        telegram_user_id=user_of(update),
        name=name,
        quantity=quantity,
        threshold=threshold,
    )


async def _quantity(update: Update, context: Context, pending: AdditemQuantity, text: str) -> None:
    numbers = text.split()
    if not 1 <= len(numbers) <= 2:
        raise usage_error(texts.QUANTITY_AS_NUMBER)
    change = await add_new_item(update, context, pending.name, numbers)
    await forget_question(update, context)
    await reply(update, context, stock_change(change, "create"))


async def _restock(update: Update, context: Context, pending: RestockAmount, text: str) -> None:
    amount = whole_number(text, AMOUNT)
    change = await call_core(
        context,
        changes.add_stock,
        telegram_user_id=user_of(update),
        name=pending.item_name,
        amount=amount,
    )
    await forget_question(update, context)
    await reply(update, context, stock_change(change, "add"))


async def _order(update: Update, context: Context, pending: OrderDetails, text: str) -> None:
    tokens = text.split()
    due = tokens.pop() if tokens and looks_like_due_date(tokens[-1]) else None
    if len(tokens) > 1 or (not tokens and due is None):
        raise usage_error(texts.ORDER_AS_NUMBER_AND_DATE)
    quantity = whole_number(tokens[0], QUANTITY) if tokens else None
    change = await call_core(
        context,
        orders.order_item,
        telegram_user_id=user_of(update),
        name=pending.item_name,
        quantity=quantity,
        due=due,
    )
    await forget_question(update, context)
    await note_order(context, pending, change)
    await reply(update, context, order_recorded(change))


async def answer(update: Update, context: Context, pending: Question, text: str) -> None:
    """Take the user's message as the answer to the open question."""
    try:
        if isinstance(pending, AskName):
            await _name(update, context, text)
        elif isinstance(pending, AdditemQuantity):
            await _quantity(update, context, pending, text)
        elif isinstance(pending, RestockAmount):
            await _restock(update, context, pending, text)
        elif isinstance(pending, OrderDetails):
            await _order(update, context, pending, text)
    except (Refusal, CoreError) as error:
        refusal = error if isinstance(error, Refusal) else Refusal.from_core(error)
        if not refusal.show_usage:
            # Not a typo the user can fix by answering again (the item is gone, the name
            # is taken...): the question is over.
            await forget_question(update, context)
            await reply(update, context, refusal_text(refusal.text))
            return
        await reply(update, context, texts.answer_again(refusal.text))
