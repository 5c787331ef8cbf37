"""Holds back a user's commands beyond the limit of bot/flood.py, before any handler sees them."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.context import Context
from bot.flood import Verdict
from bot.handlers.common import reply, user_of
from bot.texts.common import SLOW_DOWN

log = logging.getLogger("stockbot.bot")

# The group that runs before every other handler's (they are in group 0).
GROUP = -1


async def hold_back(update: Update, context: Context) -> None:
    """Let a command within the limit through; otherwise stop it here, telling the user once."""
    gate = context.bot_data.flood
    verdict = gate.admit(user_of(update))
    if verdict is Verdict.ACT:
        return
    if verdict is Verdict.WARN:
        log.info(
            "User %s sent more than %d commands in %g s; the rest are held back",
            user_of(update),
            gate.limit,
            gate.window,
        )
        await reply(update, context, SLOW_DOWN)
    raise ApplicationHandlerStop


def flood_handler() -> BaseHandler[Update, Context, None]:
    """Every command a user sends, in any chat (edits are not new commands)."""
    return MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, hold_back)
