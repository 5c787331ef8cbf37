"""What the bot says about a member's alert settings: /prefs, /email, /whatsapp, /verify,
/notify."""

from __future__ import annotations

from bot.render import bold, esc
from core.settings import Settings
from core.shops.views import Prefs, Verified
from core.wording import count

WAITING = "waiting for <code>/verify</code>"


def _address(address: str | None, verified: bool, example: str) -> str:
    if address is None:
        return f"not set (<code>{example}</code>)"
    return f"{esc(address)} · {'verified' if verified else WAITING}"


def prefs_text(prefs: Prefs, settings: Settings) -> str:
    """The reply to /prefs and to every change of a setting."""
    email = _address(prefs.email, prefs.email_verified, "/email me@shop.com")
    whatsapp = _address(prefs.whatsapp, prefs.whatsapp_verified, "/whatsapp +14155550123")
    if prefs.email and not settings.email_enabled:
        email += " · email alerts are switched off on this bot"
    if prefs.whatsapp and not settings.whatsapp_enabled:
        whatsapp += " · WhatsApp alerts are switched off on this bot"
    alerts = "on" if prefs.notify else "off (<code>/notify on</code> to get them again)"
    return "\n".join(
        [
            f"<b>Your alert settings</b> · {bold(prefs.shop_name)}, {prefs.role}",
            f"Alerts: {alerts}",
            f"Telegram: {_telegram(prefs)}",
            f"Email: {email}",
            f"WhatsApp: {whatsapp}",
            f"Shop default threshold: {count(prefs.shop_default_threshold)}",
            f"Quiet hours: {esc(prefs.quiet) if prefs.quiet else 'none (/quiet 21:00-07:30)'}",
            f"Shop time zone: {esc(prefs.shop_zone)}",
        ]
    )


def _telegram(prefs: Prefs) -> str:
    if prefs.room is None:
        return "this chat"
    room = f"the shop's room, {bold(prefs.room)}"
    if prefs.private_alerts:
        return f"{room}, and this chat (/notify private off)"
    return f"{room} (/notify private on for this chat too)"


def changed(done: str, prefs: Prefs, settings: Settings) -> str:
    """The reply to a change of a setting: what changed, then all the settings."""
    return f"{done}\n\n{prefs_text(prefs, settings)}"


def _code_sent(channel: str, address: str, *, enabled: bool) -> str:
    if not enabled:
        return (
            f"📨 A 6-digit code for {esc(address)} is queued, but {channel} is switched off on "
            "this bot: it goes out once the operator switches it on (codes work for 1 hour)."
        )
    return (
        f"📨 I sent a 6-digit code to {esc(address)}. Reply <code>/verify CODE</code> here "
        f"within 1 hour: {channel} alerts start after that."
    )


def email_done(prefs: Prefs, settings: Settings) -> str:
    """The reply to /email: off, a code on its way, or the same verified address kept."""
    if not prefs.email:
        return "✅ Email is off."
    if prefs.email_verified:
        return f"✅ Email alerts already go to {esc(prefs.email)}: nothing changed."
    return _code_sent("email", prefs.email, enabled=settings.email_enabled)


def whatsapp_done(prefs: Prefs, settings: Settings) -> str:
    """The reply to /whatsapp: off, a code on its way, or the same verified number kept."""
    if not prefs.whatsapp:
        return "✅ WhatsApp alerts are off."
    if prefs.whatsapp_verified:
        return f"✅ WhatsApp alerts already go to {esc(prefs.whatsapp)}: nothing changed."
    return _code_sent("WhatsApp", prefs.whatsapp, enabled=settings.whatsapp_enabled)


def verified_done(verified: Verified) -> str:
    """The reply to a correct /verify."""
    channel = "Email" if verified.channel == "email" else "WhatsApp"
    return f"✅ Verified: {channel} alerts go to {esc(verified.address)} from now on."


def private_alerts_done(prefs: Prefs) -> str:
    """The reply to /notify private on|off."""
    if not prefs.private_alerts:
        return "✅ While the shop has a room, its alerts come to you there, not here."
    return "✅ You get the shop's alerts in this chat too, also while it has a room."


def notify_done(prefs: Prefs) -> str:
    """The reply to /notify."""
    return "✅ Alerts are on." if prefs.notify else "✅ Alerts are off for you."


def quiet_done(prefs: Prefs) -> str:
    """The reply to /quiet."""
    if prefs.quiet is None:
        return "✅ No quiet hours: alerts come with a sound, email and WhatsApp at once."
    return (
        f"✅ Quiet hours {esc(prefs.quiet)} ({esc(prefs.shop_zone)}): Telegram alerts come "
        "without a sound then, and email and WhatsApp wait until they end."
    )
