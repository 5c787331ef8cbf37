"""What point-of-sale webhooks send (SPEC 7): their signatures checked, their bodies read.

Pure functions of the bytes received: the HTTP endpoints verify with these before anything
touches the database, then hand the counts to `core.stock.pos_sync`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from core.validation import MAX_SKU_LENGTH

PROVIDERS = ("shopify", "square")
SHOPIFY_EVENT = "inventory_levels/update"
SQUARE_EVENT = "inventory.count.updated"
# Square reports several states of a count (sold, waste, …); what is on the shelf is this one.
SQUARE_ON_HAND = "IN_STOCK"


@dataclass(frozen=True)
class SkuCount:
    """A point of sale's count of one product: its code there, and how many it has."""

    sku: str
    quantity: int


def _hmac_base64(key: str, message: bytes) -> str:
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _same(expected: str, header: str | None) -> bool:
    if header is None:
        return False
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def shopify_signature_ok(secret: str, raw_body: bytes, header: str | None) -> bool:
    """Shopify's `X-Shopify-Hmac-Sha256`: the base64 HMAC-SHA256 of the raw body, keyed with
    the app's API secret (or the key the store's webhook settings show)."""
    return _same(_hmac_base64(secret, raw_body), header)


def square_signature_ok(
    signature_key: str, notification_url: str, raw_body: bytes, header: str | None
) -> bool:
    """Square's `x-square-hmacsha256-signature`: the base64 HMAC-SHA256 of the notification
    URL (exactly as the subscription has it) followed by the raw body."""
    return _same(_hmac_base64(signature_key, notification_url.encode() + raw_body), header)


def _json_object(body: bytes, provider: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"The {provider} body is not JSON.") from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"The {provider} body is not a JSON object.")
    return parsed


def _whole(value: Any, what: str) -> int:
    # bool is an int in Python, and never a count.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{what} is not a whole number.")
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{what} is not a whole number.") from None


def _code(value: Any, what: str) -> str:
    code = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not code or len(code) > MAX_SKU_LENGTH:
        raise InvalidInput(f"{what} is missing or longer than {MAX_SKU_LENGTH} characters.")
    return code


def parse_shopify_inventory(body: bytes) -> list[SkuCount]:
    """The count of an `inventory_levels/update` body. Shopify names the product by its
    inventory item id only (no SKU), so that id, as text, is the code items are matched by;
    an untracked level (`available` null) counts nothing."""
    payload = _json_object(body, "Shopify")
    sku = _code(payload.get("inventory_item_id"), "inventory_item_id")
    available = payload.get("available")
    if available is None:
        return []
    return [SkuCount(sku=sku, quantity=_whole(available, "available"))]


def _square_counts(payload: dict[str, Any]) -> list[Any]:
    data = payload.get("data")
    found = data.get("object") if isinstance(data, dict) else None
    counts = found.get("inventory_counts") if isinstance(found, dict) else None
    if not isinstance(counts, list):
        raise InvalidInput("The Square body has no data.object.inventory_counts.")
    return counts


def parse_square_inventory(body: bytes) -> tuple[str, list[SkuCount]]:
    """The event id and the on-hand counts of an `inventory.count.updated` body: each
    `IN_STOCK` count by its catalog object id (the item variation). Counts of one variation
    at several locations are added up: Stockbot keeps one stock per item."""
    payload = _json_object(body, "Square")
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 128:
        raise InvalidInput("The Square body has no event_id.")
    totals: dict[str, int] = {}
    for entry in _square_counts(payload):
        if not isinstance(entry, dict):
            raise InvalidInput("A Square inventory count is not an object.")
        if entry.get("state") != SQUARE_ON_HAND:
            continue
        sku = _code(entry.get("catalog_object_id"), "catalog_object_id")
        # Square sends quantities as decimal strings ("10", "2.5" for weighed goods).
        quantity = _whole(str(entry.get("quantity", "")).split(".")[0], "quantity")
        totals[sku] = totals.get(sku, 0) + quantity
    return event_id, [SkuCount(sku=sku, quantity=total) for sku, total in totals.items()]
