"""What the bot says about point-of-sale integrations: /sku and /connect."""

from __future__ import annotations

from bot.render import bold, esc
from core.results import ItemView
from core.shops.views import Connection

NO_SKU = "Give the item's name, then its SKU (or off)."
NO_CONNECT = "Say shopify or square and the secret, list, or off NAME."
NO_SECRET = "Give the secret (Shopify) or the signature key (Square) after the provider."
NO_NAME = "Say which connection to turn off, as /connect list names it."

PROVIDER_NAMES = {"shopify": "Shopify", "square": "Square"}
# Where each provider's admin makes the webhook, and the one event it should send.
WHERE = {
    "shopify": "In Shopify: Settings → Notifications → Webhooks → Create webhook, "
    "format JSON, event <b>Inventory levels update</b> (<code>inventory_levels/update</code>).",
    "square": "In Square's Developer Console: your app → Webhooks → Subscriptions → "
    "Add subscription, event <b>inventory.count.updated</b>.",
}
MATCHING = {
    "shopify": "Items are matched by SKU: give each item its Shopify inventory item id "
    "(or its SKU) with <code>/sku NAME CODE</code>.",
    "square": "Items are matched by SKU: give each item its Square item variation id "
    "with <code>/sku NAME CODE</code>.",
}
NO_PUBLIC_URL = (
    "⚠️ This Stockbot has no public address yet: ask whoever runs it to set PUBLIC_BASE_URL, "
    "then <code>/connect list</code> shows the URL to paste."
)


def sku_text(item: ItemView) -> str:
    """The reply to /sku."""
    if item.sku is None:
        return f"✅ {bold(item.name)} has no SKU now: no point of sale sets its stock."
    return (
        f"✅ {bold(item.name)} has the SKU <code>{esc(item.sku)}</code>: counts a point of "
        "sale sends for it set its stock."
    )


def _url_line(connection: Connection) -> str:
    if connection.webhook_url is None:
        return NO_PUBLIC_URL
    return f"URL: <code>{esc(connection.webhook_url)}</code>"


def connected_text(connection: Connection) -> str:
    """The reply to /connect shopify|square SECRET: the URL to paste, the event, matching."""
    provider = connection.provider
    return "\n".join(
        [
            f"✅ {PROVIDER_NAMES[provider]} is connected as {bold(connection.name)} "
            f"(secret {esc(connection.secret_hint)}).",
            _url_line(connection),
            WHERE[provider],
            MATCHING[provider],
            "You may delete your message with the secret now.",
        ]
    )


def connections_text(connections: list[Connection]) -> str:
    """The reply to /connect list."""
    if not connections:
        return "No point of sale is connected. <code>/connect shopify SECRET</code> starts one."
    lines = ["<b>Point-of-sale connections</b>"]
    for connection in connections:
        lines.append(
            f"• {bold(connection.name)} · {PROVIDER_NAMES[connection.provider]} · "
            f"secret {esc(connection.secret_hint)}"
        )
        lines.append(f"  {_url_line(connection)}")
    return "\n".join(lines)


def disconnected_text(connection: Connection) -> str:
    """The reply to /connect off NAME."""
    return (
        f"✅ {bold(connection.name)} is off: what {PROVIDER_NAMES[connection.provider]} sends "
        "to its URL is refused. Remove the webhook there too."
    )
