"""What the bot says to people getting into a shop and finding their way: /start, /join,
/help, /cancel."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render import bold, esc
from core.shops.views import MemberView, StartResult

# A /help section: its title, then each command's example and line.
HelpSection = tuple[str, Sequence[tuple[str, str]]]

JOIN_WITHOUT_CODE = "Give the invite code your shop's admin sent you."
NOTHING_TO_CANCEL = "Nothing to cancel."
CANCELLED = "Cancelled: nothing was changed."


def help_text(member: MemberView, sections: Sequence[HelpSection]) -> str:
    """The commands of the member's role, in sections, each with an example."""
    lines = [f"{bold(member.shop_name)} · you are {member.role}"]
    for title, commands in sections:
        lines.append(f"\n<b>{title}</b>")
        lines += [f"<code>{esc(example)}</code> · {esc(line)}" for example, line in commands]
    lines.append("\nNames may contain spaces: the number comes last.")
    lines.append("/cancel leaves a question; /help shows this again.")
    return "\n".join(lines)


def welcome(result: StartResult, help_html: str) -> str:
    """What a new admin, a new member of staff, or a returning member (with /help) is told."""
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
    return f"Welcome back, {esc(member.display_name)}!\n\n{help_html}"
