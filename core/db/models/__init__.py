"""The schema: shops and members, items, the ledger and alerts, the outbox, the HTTP API's
keys, point-of-sale connections, webhook endpoints, the inbox of updates and the open
conversations. Every table is registered with `Base.metadata` once this package is imported."""

from core.db.base import Base
from core.db.models.access import ApiKey, IdempotencyRecord
from core.db.models.conversations import ListSearch, OpenQuestion
from core.db.models.outbox import Notification
from core.db.models.pos import PosConnection, PosEvent, UnknownSku
from core.db.models.shops import Invite, Member, Shop, VerificationCode
from core.db.models.stock import Alert, Item, Movement
from core.db.models.updates import TelegramUpdate, UpdateStep
from core.db.models.webhooks import WebhookEndpoint

__all__ = [
    "Alert",
    "ApiKey",
    "Base",
    "IdempotencyRecord",
    "Invite",
    "Item",
    "ListSearch",
    "Member",
    "Movement",
    "Notification",
    "OpenQuestion",
    "PosConnection",
    "PosEvent",
    "Shop",
    "TelegramUpdate",
    "UnknownSku",
    "UpdateStep",
    "VerificationCode",
    "WebhookEndpoint",
]
