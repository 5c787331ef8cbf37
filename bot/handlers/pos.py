"""Point-of-sale commands: /sku, /connect."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, reply, settings_of, user_of
from bot.parsing import name_and_numbers, usage_error
from bot.runner import call_core
from bot.texts import pos as texts
from core.shops import pos
from core.stock import skus


async def sku(update: Update, context: Context) -> None:
    """/sku NAME CODE sets the item's SKU; /sku NAME off clears it."""
    text = args_text(context).strip()
    if not text:
        raise usage_error(texts.NO_SKU)
    parts = name_and_numbers(text, required=1)
    code = parts.numbers[0]
    item = await call_core(
        context,
        skus.set_sku,
        telegram_user_id=user_of(update),
        name=parts.name,
        sku=None if code.casefold() == "off" else code,
    )
    await reply(update, context, texts.sku_text(item))


async def connect(update: Update, context: Context) -> None:
    """/connect shopify|square SECRET, /connect list, /connect off NAME."""
    tokens = args_text(context).split()
    if not tokens:
        raise usage_error(texts.NO_CONNECT)
    user = user_of(update)
    word = tokens[0].casefold()
    base_url = settings_of(context).public_base_url
    if word == "list" and len(tokens) == 1:
        found = await call_core(
            context, pos.list_connections, telegram_user_id=user, public_base_url=base_url
        )
        await reply(update, context, texts.connections_text(found))
    elif word == "off":
        if len(tokens) != 2:
            raise usage_error(texts.NO_NAME)
        gone = await call_core(context, pos.disconnect, telegram_user_id=user, name=tokens[1])
        await reply(update, context, texts.disconnected_text(gone))
    else:
        if len(tokens) < 2:
            raise usage_error(texts.NO_SECRET)
        made = await call_core(
            context,
            pos.connect,
            telegram_user_id=user,
            provider=word,
            secret=" ".join(tokens[1:]),
            public_base_url=base_url,
        )
        await reply(update, context, texts.connected_text(made))
