"""A member's alert settings: /prefs, /email, /whatsapp, /verify, /notify."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, reply, settings_of, user_of
from bot.parsing import off_or_value, on_off
from bot.runner import call_core
from bot.texts import prefs as texts
from bot.texts.parsing import EMAIL_ADDRESS, QUIET_HOURS, WHATSAPP_NUMBER
from core.shops import prefs as member_prefs
from core.shops import verification


async def prefs(update: Update, context: Context) -> None:
    """/prefs: email, WhatsApp, alerts on/off, the shop's default threshold."""
    found = await call_core(context, member_prefs.get_prefs, telegram_user_id=user_of(update))
    await reply(update, context, texts.prefs_text(found, settings_of(context)))


async def email(update: Update, context: Context) -> None:
    """/email ADDRESS or /email off."""
    address = off_or_value(args_text(context), EMAIL_ADDRESS)
    found = await call_core(
        context, member_prefs.set_email, telegram_user_id=user_of(update), email=address
    )
    done = texts.email_done(found, settings_of(context))
    await reply(update, context, texts.changed(done, found, settings_of(context)))


async def whatsapp(update: Update, context: Context) -> None:
    """/whatsapp +NUMBER or /whatsapp off."""
    number = off_or_value(args_text(context), WHATSAPP_NUMBER)
    found = await call_core(
        context, member_prefs.set_whatsapp, telegram_user_id=user_of(update), number=number
    )
    done = texts.whatsapp_done(found, settings_of(context))
    await reply(update, context, texts.changed(done, found, settings_of(context)))


async def verify(update: Update, context: Context) -> None:
    """/verify CODE: the code sent to a new email address or WhatsApp number."""
    verified = await call_core(
        context, verification.verify, telegram_user_id=user_of(update), code=args_text(context)
    )
    done = texts.verified_done(verified)
    await reply(update, context, texts.changed(done, verified.prefs, settings_of(context)))


async def notify(update: Update, context: Context) -> None:
    """/notify on|off: all of the member's alerts; /notify private on|off: alerts in their
    private chat too while the shop has a room."""
    words = args_text(context).split()
    if words and words[0].casefold() == "private":
        on = on_off(" ".join(words[1:]))
        found = await call_core(
            context, member_prefs.set_private_alerts, telegram_user_id=user_of(update), on=on
        )
        done = texts.private_alerts_done(found)
    else:
        found = await call_core(
            context,
            member_prefs.set_notify,
            telegram_user_id=user_of(update),
            on=on_off(" ".join(words)),
        )
        done = texts.notify_done(found)
    await reply(update, context, texts.changed(done, found, settings_of(context)))


async def quiet(update: Update, context: Context) -> None:
    """/quiet HH:MM-HH:MM or /quiet off: the member's quiet hours, on the shop's clock."""
    hours = off_or_value(args_text(context), QUIET_HOURS)
    found = await call_core(
        context, member_prefs.set_quiet, telegram_user_id=user_of(update), hours=hours
    )
    done = texts.quiet_done(found)
    await reply(update, context, texts.changed(done, found, settings_of(context)))
