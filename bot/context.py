"""What handlers and jobs share through their context: the bot's data, typed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from api.server import ApiServer
from bot.flood import FloodGate
from core.db.session import Database
from core.delivery.config import DeliveryConfig
from core.settings import Settings

if TYPE_CHECKING:
    from bot.delivery.relay import Delivery
    from bot.inbox import Inbox


@dataclass
class BotData:
    """The running bot's shared state. PTB creates it empty; build_application fills it in,
    and start-up adds the worker threads and the delivery relay."""

    settings: Settings = field(init=False, repr=False)
    database: Database = field(init=False, repr=False)
    # How the delivery relay is tuned; None leaves it off (command tests that want no pushes).
    delivery_config: DeliveryConfig | None = None
    executor: ThreadPoolExecutor | None = None
    delivery: Delivery | None = None
    # The HTTP API's server, when HTTP_PORT is set.
    http: ApiServer | None = None
    # Webhook mode's worker over the stored updates.
    inbox: Inbox | None = None
    # `stockbot run --api-only`: no Telegram updates are taken, not even by webhook.
    api_only: bool = False
    # How many commands each user has sent lately; tests may put in one with their own clock.
    flood: FloodGate = field(default_factory=FloodGate)


CONTEXT_TYPES = ContextTypes(bot_data=BotData)
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# The bot's own types are what matter here; PTB's builder types the rest loosely.
App = Application[Any, Any, Any, Any, BotData, Any]
