"""What the bot says about HTTP API keys: /apikey new, list and revoke."""

from __future__ import annotations

from datetime import UTC

from bot.render import bold, esc, when
from core.shops.views import ApiKeyView, NewApiKey

APIKEY_WHAT = "Say /apikey new NAME [read|write], /apikey list or /apikey revoke ID."
KEY_ID = "the key's number from /apikey list"


def new_key(made: NewApiKey, public_base_url: str | None) -> str:
    """The one time a key is shown."""
    key = made.key
    docs = f"\nThe API and its docs: {esc(public_base_url)}/docs" if public_base_url else ""
    return (
        f"🔑 New {key.scope} key {bold(key.name)} (#{key.id}):\n"
        f"<code>{esc(made.secret)}</code>\n"
        "Copy it now: this is the only time it is shown, and I keep only a fingerprint of it. "
        "Send it as <code>Authorization: Bearer …</code>. "
        f"/apikey revoke {key.id} stops it.{docs}"
    )


def key_list(keys: list[ApiKeyView]) -> str:
    """The reply to /apikey list."""
    if not keys:
        return "No API keys yet. /apikey new NAME write makes one."
    lines = ["<b>API keys</b> (times in UTC)"]
    for key in keys:
        used = when(key.last_used_at, UTC) if key.last_used_at else "never used"
        state = f"revoked {when(key.revoked_at, UTC)}" if key.revoked_at else used
        lines.append(
            f"#{key.id} {bold(key.name)} · {key.scope} · <code>{esc(key.prefix)}…</code> · "
            f"made {when(key.created_at, UTC)} · {state}"
        )
    return "\n".join(lines)


def revoked(key: ApiKeyView) -> str:
    """The reply to /apikey revoke."""
    return f"✅ Key #{key.id} {bold(key.name)} is revoked: requests with it are refused now."
