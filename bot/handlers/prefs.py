"""A member's alert settings: /prefs, /email, /whatsapp, /notify."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, command, reply, settings_of, user_of
from bot.parsing import off_or_value, on_off
from bot.render import bold, esc
from bot.runner import call_core
from core import shops
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


@command("prefs")
async def prefs(update: Update, context: Context) -> None:
    """/prefs: email, WhatsApp, alerts on/off, the shop's default threshold."""
    found = await call_core(context, shops.get_prefs, telegram_user_id=user_of(update))
    await reply(update, context, prefs_text(found, settings_of(context)))


@command("email")
async def email(update: Update, context: Context) -> None:
    """/email ADDRESS or /email off."""
    address = off_or_value(args_text(context), "your email address")
    found = await call_core(
        context, shops.set_email, telegram_user_id=user_of(update), email=address
    )
    done = f"✅ Email alerts go to {esc(found.email)}." if found.email else "✅ Email is off."
    await reply(update, context, f"{done}\n\n{prefs_text(found, settings_of(context))}")


@command("whatsapp")
async def whatsapp(update: Update, context: Context) -> None:
    """/whatsapp +NUMBER or /whatsapp off."""
    number = off_or_value(args_text(context), "your number in international form")
    found = await call_core(
        context, shops.set_whatsapp, telegram_user_id=user_of(update), number=number
    )
    done = (
        f"✅ WhatsApp alerts go to {esc(found.whatsapp)}."
        if found.whatsapp
        else "✅ WhatsApp alerts are off."
    )
    await reply(update, context, f"{done}\n\n{prefs_text(found, settings_of(context))}")


@command("notify")
async def notify(update: Update, context: Context) -> None:
    """/notify on or /notify off: all of the member's alerts."""
    on = on_off(args_text(context))
    found = await call_core(context, shops.set_notify, telegram_user_id=user_of(update), on=on)
    done = "✅ Alerts are on." if found.notify else "✅ Alerts are off for you."
    await reply(update, context, f"{done}\n\n{prefs_text(found, settings_of(context))}")
