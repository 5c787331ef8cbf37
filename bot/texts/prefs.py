"""What the bot says about a member's alert settings: /prefs, /email, /whatsapp, /notify."""

from __future__ import annotations

from bot.render import bold, esc
from core.results import Prefs
from core.settings import Settings
from core.wording import count


def prefs_text(prefs: Prefs, settings: Settings) -> str:
    """The reply to /prefs and to every change of a setting."""
    email = esc(prefs.email) if prefs.email else "not set (<code>/email me@shop.com</code>)"
    whatsapp = (
        esc(prefs.whatsapp) if prefs.whatsapp else "not set (<code>/whatsapp +14155550123</code>)"
    )
    if prefs.email and not settings.email_enabled:
        email += " · email alerts are switched off on this bot"
    if prefs.whatsapp and not settings.whatsapp_enabled:
        whatsapp += " · WhatsApp alerts are switched off on this bot"
    alerts = "on" if prefs.notify else "off (<code>/notify on</code> to get them again)"
    return "\n".join(
        [
            f"<b>Your alert settings</b> · {bold(prefs.shop_name)}, {prefs.role}",
            f"Alerts: {alerts}",
            "Telegram: this chat",
            f"Email: {email}",
            f"WhatsApp: {whatsapp}",
            f"Shop default threshold: {count(prefs.shop_default_threshold)}",
        ]
    )


def changed(done: str, prefs: Prefs, settings: Settings) -> str:
    """The reply to a change of a setting: what changed, then all the settings."""
    return f"{done}\n\n{prefs_text(prefs, settings)}"


def email_done(prefs: Prefs) -> str:
    """The reply to /email."""
    return f"✅ Email alerts go to {esc(prefs.email)}." if prefs.email else "✅ Email is off."


def whatsapp_done(prefs: Prefs) -> str:
    """The reply to /whatsapp."""
    if prefs.whatsapp:
        return f"✅ WhatsApp alerts go to {esc(prefs.whatsapp)}."
    return "✅ WhatsApp alerts are off."


def notify_done(prefs: Prefs) -> str:
    """The reply to /notify."""
    return "✅ Alerts are on." if prefs.notify else "✅ Alerts are off for you."
