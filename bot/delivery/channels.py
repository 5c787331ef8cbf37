"""Every delivery channel the relay serves: a new one is a class and a line here."""

from __future__ import annotations

from bot.delivery.room import RoomChannel
from bot.delivery.setup import BotSetup
from bot.delivery.telegram import TelegramChannel
from core.delivery.channel import ChannelKind
from core.delivery.email import EmailSender
from core.delivery.webhook import WebhookSender
from core.delivery.whatsapp import WhatsAppSender

CHANNELS: tuple[ChannelKind[BotSetup], ...] = (
    TelegramChannel,
    RoomChannel,
    EmailSender,
    WhatsAppSender,
    WebhookSender,
)
