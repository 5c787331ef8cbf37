"""Getting into a shop and finding one's way: /start, /join, /help, /cancel."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import args_text, reply, user_of
from bot.handlers.questions import forget_question
from bot.render import esc
from bot.runner import call_core
from bot.texts import onboarding as texts
from bot.texts.common import NOT_A_MEMBER
from core.shops import members, onboarding
from core.shops.views import MemberView


def _help_text(member: MemberView) -> str:
    """/help for the member's role, from the command registry."""
    # bot.commands lists this module's handlers, so it is imported once it is complete.
    from bot.commands import help_sections

    return texts.help_text(member, help_sections(admin=member.is_admin))


async def _enter(update: Update, context: Context, code: str | None) -> None:
    assert update.effective_user is not None
    assert update.effective_chat is not None
    identity = {
        "telegram_user_id": update.effective_user.id,
        "chat_id": update.effective_chat.id,
        "display_name": update.effective_user.full_name,
        "username": update.effective_user.username,
    }
    if code:
        result = await call_core(context, onboarding.join, code=code, **identity)
    else:
        result = await call_core(context, onboarding.start, **identity)
    await reply(update, context, texts.welcome(result, _help_text(result.member)))
    if result.member.is_admin:
        from bot.commands import set_admin_menu  # see _help_text

        await set_admin_menu(context.bot, update.effective_chat.id)


async def start(update: Update, context: Context) -> None:
    """/start opens a shop or welcomes back; /start CODE (an invite link) joins a shop."""
    await _enter(update, context, args_text(context).strip() or None)


async def join(update: Update, context: Context) -> None:
    """/join CODE joins a shop as staff."""
    code = args_text(context).strip()
    if not code:
        raise Refusal(texts.JOIN_WITHOUT_CODE, show_usage=True)
    await _enter(update, context, code)


async def help_command(update: Update, context: Context) -> None:
    """/help: the commands of the user's role, with examples."""
    try:
        member = await call_core(context, members.get_member, telegram_user_id=user_of(update))
    except Refusal:
        await reply(update, context, esc(NOT_A_MEMBER))
        return
    await reply(update, context, _help_text(member))


async def cancel(update: Update, context: Context) -> None:
    """/cancel leaves the question the bot asked."""
    if await forget_question(update, context) is None:
        await reply(update, context, texts.NOTHING_TO_CANCEL)
    else:
        await reply(update, context, texts.CANCELLED)
