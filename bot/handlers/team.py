"""The team: /members, /dismiss, /promote, /demote, /leave (with its buttons), /invites and
/revoke. The member concerned is told, and their menu follows their role."""

from __future__ import annotations

import logging
import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import args_text, button, reply, user_of
from bot.runner import call_core
from bot.texts import team as texts
from bot.texts.common import BUTTON_GONE
from core.shops import onboarding, team
from core.shops.views import TeamChange

log = logging.getLogger("stockbot.bot")
PREFIX = "team:"
LEAVE = re.compile(r"team:leave:(\d{1,9})")
STAY = "team:stay"


async def list_members(update: Update, context: Context) -> None:
    """/members: everyone in the shop, with their numbers."""
    found = await call_core(context, team.list_members, telegram_user_id=user_of(update))
    await reply(update, context, texts.members_text(found))


def _named(context: Context) -> str:
    wanted = args_text(context).strip()
    if not wanted:
        raise Refusal(texts.NO_MEMBER, show_usage=True)
    return wanted


async def dismiss(update: Update, context: Context) -> None:
    """/dismiss MEMBER: out of the shop at once, told so."""
    change = await call_core(
        context, team.dismiss, telegram_user_id=user_of(update), member=_named(context)
    )
    await _menu_for(context, change, admin=False)
    await reply(update, context, texts.dismissed(change))
    await _tell(context, change, texts.told_dismissed(change))


async def promote(update: Update, context: Context) -> None:
    """/promote MEMBER: make them an admin."""
    change = await call_core(
        context, team.promote, telegram_user_id=user_of(update), member=_named(context)
    )
    await _menu_for(context, change, admin=True)
    await reply(update, context, texts.promoted(change))
    await _tell(context, change, texts.told_promoted(change))


async def demote(update: Update, context: Context) -> None:
    """/demote MEMBER: make them staff."""
    change = await call_core(
        context, team.demote, telegram_user_id=user_of(update), member=_named(context)
    )
    await _menu_for(context, change, admin=False)
    await reply(update, context, texts.demoted(change))
    if change.telegram_user_id != user_of(update):
        await _tell(context, change, texts.told_demoted(change))


async def leave(update: Update, context: Context) -> None:
    """/leave: asks to confirm with buttons; nothing changes until Leave is pressed."""
    change = await call_core(context, team.may_leave, telegram_user_id=user_of(update))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.LEAVE_BUTTON, callback_data=f"{PREFIX}leave:{change.member.number}"
                ),
                InlineKeyboardButton(texts.STAY_BUTTON, callback_data=STAY),
            ]
        ]
    )
    await reply(update, context, texts.leave_question(change), keyboard)


@button
async def leave_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """Leave or Stay, pressed under the /leave question."""
    if query.data == STAY:
        await query.edit_message_text(texts.STAYED, parse_mode=ParseMode.HTML)
        return None
    match = LEAVE.fullmatch(query.data or "")
    if match is None:
        raise Refusal(BUTTON_GONE)
    change = await call_core(
        context, team.leave, telegram_user_id=user_of(update), number=int(match.group(1))
    )
    await _menu_for(context, change, admin=False)
    await query.edit_message_text(texts.left(change), parse_mode=ParseMode.HTML)
    return None


async def list_invites(update: Update, context: Context) -> None:
    """/invites: the codes that still work."""
    found = await call_core(context, onboarding.list_invites, telegram_user_id=user_of(update))
    await reply(update, context, texts.invites_text(found))


async def revoke(update: Update, context: Context) -> None:
    """/revoke CODE: that invite stops working."""
    code = args_text(context).strip()
    if not code:
        raise Refusal(texts.NO_CODE, show_usage=True)
    done = await call_core(
        context, onboarding.revoke_invite, telegram_user_id=user_of(update), code=code
    )
    await reply(update, context, texts.revoked(done))


async def _tell(context: Context, change: TeamChange, text: str) -> None:
    """Tell the member concerned; if Telegram cannot reach them, the change still stands."""
    try:
        await context.bot.send_message(change.chat_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as error:
        log.warning("Could not tell member #%d of their change: %s", change.member.number, error)


async def _menu_for(context: Context, change: TeamChange, *, admin: bool) -> None:
    # bot.commands lists this module's handlers, so it is imported once this one is complete.
    from bot.commands import clear_chat_menu, set_admin_menu

    if admin:
        await set_admin_menu(context.bot, change.chat_id)
    else:
        await clear_chat_menu(context.bot, change.chat_id)
