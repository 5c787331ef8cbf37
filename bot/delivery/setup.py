"""What the relay inside the bot hands every channel class when it opens the channel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Bot

from core.delivery.channel import ChannelSetup
from core.results import CardState, RoomTarget

# Follows a chat that migrated to a new id: (old chat id, new chat id).
MoveChat = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class BotSetup(ChannelSetup):
    """The settings and the config, and what a channel on the bot's event loop may need."""

    bot: Bot
    # Set when the relay stops: a push waiting for its chat's turn gives up at once.
    stopping: asyncio.Event
    # Moves the chat's member (or the room) and pending rows to the new id.
    move_chat: MoveChat
    # A room's card as it reads now (by alert id), and a shop's room (by shop id).
    card_of: Callable[[int], Awaitable[CardState | None]]
    room_of: Callable[[int], Awaitable[RoomTarget | None]]
