"""The schema: shops and members, items, the ledger and alerts, the outbox, and webhook
endpoints. Every table is registered with `Base.metadata` once this package is imported."""

from core.db.base import Base
from core.db.models.outbox import Notification
from core.db.models.shops import Invite, Member, Shop, VerificationCode
from core.db.models.stock import Alert, Item, Movement
from core.db.models.webhooks import WebhookEndpoint

__all__ = [
    "Alert",
    "Base",
    "Invite",
    "Item",
    "Member",
    "Movement",
    "Notification",
    "Shop",
    "VerificationCode",
    "WebhookEndpoint",
]
