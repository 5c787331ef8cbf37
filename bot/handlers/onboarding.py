"""Getting into a shop and finding one's way: /start, /join, /help, /cancel."""

from __future__ import annotations

from telegram import Update

from bot.commands_menu import COMMANDS, set_admin_menu
from bot.context import Context
from bot.errors import NOT_A_MEMBER, Refusal
from bot.handlers.common import args_text, command, forget_question, reply, user_of
from bot.render import bold, esc
from bot.runner import call_core
from core import shops
from core.results import MemberView, StartResult

GROUPS = (
    ("Stock", ("stock", "item", "add", "remove", "set", "additem")),
    ("Alerts", ("alerts", "alert", "resolve")),
    ("Your alerts", ("prefs", "email", "whatsapp", "notify")),
    ("Admin", ("delitem", "threshold", "stats", "check", "invite")),
)


def help_text(member: MemberView) -> str:
    """The commands of the member's role, grouped, each with an example."""
    allowed = {c.name: c for c in COMMANDS if member.is_admin or not c.admin}
    lines = [f"{bold(member.shop_name)} · you are {member.role}"]
    for title, names in GROUPS:
        shown = [allowed[name] for name in names if name in allowed]
        if shown:
            lines.append(f"\n<b>{title}</b>")
            lines += [f"<code>{esc(c.example)}</code> · {esc(c.menu)}" for c in shown]
    lines.append("\nNames may contain spaces: the number comes last.")
    lines.append("/cancel leaves a question; /help shows this again.")
    return "\n".join(lines)


def welcome(result: StartResult) -> str:
    """What a new admin, a new member of staff, or a returning member is told."""
    member = result.member
    if result.created_shop:
        return (
            f"Welcome! I opened {bold(member.shop_name)} and you are its admin.\n"
            "Add your first item: <code>/additem Green tea 24</code>\n"
            "Invite your staff: /invite\n"
            "Everything else: /help"
        )
    if result.joined_shop:
        return (
            f"Welcome to {bold(member.shop_name)}! You joined as staff.\n"
            "See the stock: /stock · all commands: /help"
        )
    return f"Welcome back, {esc(member.display_name)}!\n\n{help_text(member)}"


async def _enter(update: Update, context: Context, code: str | None) -> None:
    assert update.effective_user is not None and update.effective_chat is not None
    identity = {
        "telegram_user_id": update.effective_user.id,
        "chat_id": update.effective_chat.id,
        "display_name": update.effective_user.full_name,
    }
    if code:
        result = await call_core(context, shops.join, code=code, **identity)
    else:
        result = await call_core(context, shops.start, **identity)
    await reply(update, context, welcome(result))
    if result.member.is_admin:
        await set_admin_menu(context.bot, update.effective_chat.id)


@command("start")
async def start(update: Update, context: Context) -> None:
    """/start opens a shop or welcomes back; /start CODE (an invite link) joins a shop."""
    await _enter(update, context, args_text(context).strip() or None)


@command("join")
async def join(update: Update, context: Context) -> None:
    """/join CODE joins a shop as staff."""
    code = args_text(context).strip()
    if not code:
        raise Refusal("Give the invite code your shop's admin sent you.", show_usage=True)
    await _enter(update, context, code)


@command("help")
async def help_command(update: Update, context: Context) -> None:
    """/help: the commands of the user's role, with examples."""
    try:
        member = await call_core(context, shops.get_member, telegram_user_id=user_of(update))
    except Refusal:
        await reply(update, context, esc(NOT_A_MEMBER))
        return
    await reply(update, context, help_text(member))


@command("cancel", keeps_question=True)
async def cancel(update: Update, context: Context) -> None:
    """/cancel leaves the question the bot asked."""
    if forget_question(context) is None:
        await reply(update, context, "Nothing to cancel.")
    else:
        await reply(update, context, "Cancelled: nothing was changed.")
