"""What the bot says about the shop's room: /setup, being added to or removed from a group."""

from __future__ import annotations

from bot.render import bold, esc
from core.shops.views import RoomChange, RoomLost

SETUP_IN_GROUP = (
    "Send /setup in the group you want as the shop's room: add me to the group first. "
    "/setup off here stops the room."
)
SETUP_ARGUMENT = "Say /setup, or /setup off."


def room_set_up(change: RoomChange) -> str:
    """The reply to /setup in the group."""
    head = (
        f"🏠 This group is now the room of {bold(change.shop_name)}"
        + (" (instead of the one before)" if change.moved else "")
        + "."
    )
    return (
        f"{head}\n"
        "Each alert shows here as one card, updated as you act on it: "
        "Resolve, Restock, I'm on it, Ordered, Snooze 1d. Reminders come here as one list.\n"
        "Members of the shop can use my commands here, like /stock or /remove Tea 2. "
        "Alerts no longer come to members privately on Telegram; /notify private on "
        "(in a private chat with me) brings them back. Email and WhatsApp are unchanged."
    )


def room_stopped(change: RoomChange) -> str:
    """The reply to /setup off."""
    return (
        f"✅ {esc(change.title)} is no longer the room of {bold(change.shop_name)}. "
        "Alerts come to members privately again."
    )


def room_lost(lost: RoomLost) -> str:
    """To the admins, privately: the bot was removed from the shop's room."""
    return (
        f"⚠️ I was removed from {bold(lost.title)}, the room of {bold(lost.shop_name)}, "
        "so it is no longer the shop's room. Alerts come to members privately again. "
        "To have a room again, add me to a group and send /setup there."
    )


def hello_group(bot_username: str) -> str:
    """When the bot is added to a group."""
    return (
        "👋 Hello! An admin of the shop sends /setup here to make this group the shop's room: "
        "alerts then show here as cards the whole team can act on. "
        f"Not in a shop yet? Open @{esc(bot_username)} privately and send /start."
    )


def private_only(bot_username: str) -> str:
    """A private-only command (codes, addresses, personal settings) sent in a group."""
    return f"🔒 Send me this privately: open @{esc(bot_username)} and send it there."
