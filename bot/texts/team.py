"""What the bot says about the team: /members, /dismiss, /promote, /demote, /leave, /invites,
/revoke, and what it tells the member concerned."""

from __future__ import annotations

from bot.render import bold, esc, when
from core.shops.views import InviteView, TeamChange, TeamMember
from core.wording import count

NO_MEMBER = "Say which member: their number from /members, their @username or their name."
NO_CODE = "Say which invite: its code from /invites."
LEAVE_BUTTON = "Leave the shop"
STAY_BUTTON = "Stay"


def _role(role: str) -> str:
    return "admin" if role == "admin" else "staff"


def _channels(member: TeamMember) -> str:
    return ", ".join(
        channel.name if channel.verified else f"{channel.name} (not verified)"
        for channel in member.channels
    )


def member_line(member: TeamMember) -> str:
    """`#2 Anna (@anna) · staff · Telegram, email`."""
    handle = f" (@{esc(member.username)})" if member.username else ""
    you = " · you" if member.is_you else ""
    return (
        f"#{member.number} {bold(member.name)}{handle} · {_role(member.role)}{you}\n"
        f"    alerts by {esc(_channels(member))}"
    )


def members_text(members: list[TeamMember]) -> str:
    """The reply to /members."""
    lines = [f"<b>Members</b> ({count(len(members))})", *map(member_line, members)]
    lines.append("\n/dismiss, /promote or /demote with a number, e.g. <code>/dismiss 2</code>")
    return "\n".join(lines)


def _cancelled(number: int) -> str:
    if not number:
        return ""
    noun = "message" if number == 1 else "messages"
    return f" Their {count(number)} queued {noun} will not be sent."


def dismissed(change: TeamChange) -> str:
    """The reply to /dismiss."""
    return (
        f"✅ {bold(change.member.name)} is no longer in the shop: they cannot see or change "
        f"anything, and get no alerts.{_cancelled(change.cancelled)}"
    )


def told_dismissed(change: TeamChange) -> str:
    """What the dismissed member is told."""
    return (
        f"An admin removed you from {bold(change.shop_name)}. "
        "Send /start to open your own shop, or /join CODE to join another one."
    )


def promoted(change: TeamChange) -> str:
    """The reply to /promote."""
    return f"✅ {bold(change.member.name)} is now an admin."


def told_promoted(change: TeamChange) -> str:
    """What the promoted member is told."""
    return f"You are now an admin of {bold(change.shop_name)}. /help shows what you can do."


def demoted(change: TeamChange) -> str:
    """The reply to /demote."""
    return f"✅ {bold(change.member.name)} is now staff."


def told_demoted(change: TeamChange) -> str:
    """What the demoted member is told."""
    return f"You are now staff in {bold(change.shop_name)}."


def leave_question(change: TeamChange) -> str:
    """/leave asks before it acts."""
    return (
        f"Leave {bold(change.shop_name)}? You will no longer see its stock or get its alerts, "
        "and only a new invite brings you back."
    )


def left(change: TeamChange) -> str:
    """After the member confirmed /leave."""
    return (
        f"You left {bold(change.shop_name)}. Send /start to open your own shop, "
        "or /join CODE to join another one."
    )


STAYED = "Good: you stay in the shop."


def invites_text(invites: list[InviteView]) -> str:
    """The reply to /invites."""
    if not invites:
        return "No unused invites. /invite makes one."
    lines = [f"<b>Unused invites</b> ({count(len(invites))})"]
    for invite in invites:
        lines.append(
            f"<code>{esc(invite.code)}</code> · works until {when(invite.expires_at, invite.zone)}"
        )
    lines.append("\n<code>/revoke CODE</code> makes one stop working.")
    return "\n".join(lines)


def revoked(invite: InviteView) -> str:
    """The reply to /revoke."""
    return f"✅ Invite <code>{esc(invite.code)}</code> revoked: it no longer works."
