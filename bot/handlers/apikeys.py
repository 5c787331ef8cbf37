"""/apikey: keys for the HTTP API (SPEC 7), made, listed and revoked by an admin in private."""

from __future__ import annotations

from telegram import Update

from bot.context import Context
from bot.handlers.common import args_text, reply, settings_of, user_of
from bot.parsing import usage_error, whole_number
from bot.runner import call_core
from bot.texts import apikeys as texts
from core.shops import api_keys


async def apikey(update: Update, context: Context) -> None:
    """/apikey new NAME [read|write], /apikey list, /apikey revoke ID."""
    verb, _, rest = args_text(context).strip().partition(" ")
    user = user_of(update)
    if verb.casefold() == "list" and not rest:
        keys = await call_core(context, api_keys.list_api_keys, telegram_user_id=user)
        await reply(update, context, texts.key_list(keys))
    elif verb.casefold() == "revoke" and rest:
        key_id = whole_number(rest.strip(), texts.KEY_ID)
        done = await call_core(
            context, api_keys.revoke_api_key, telegram_user_id=user, key_id=key_id
        )
        await reply(update, context, texts.revoked(done))
    elif verb.casefold() == "new" and rest.strip():
        name, scope = _name_and_scope(rest)
        made = await call_core(
            context, api_keys.create_api_key, telegram_user_id=user, name=name, scope=scope
        )
        await reply(update, context, texts.new_key(made, settings_of(context).public_base_url))
    else:
        raise usage_error(texts.APIKEY_WHAT)


def _name_and_scope(text: str) -> tuple[str, str]:
    """`Till write` → ("Till", "write"); without read or write last, a read key."""
    *name, last = text.split()
    if last.casefold() in api_keys.SCOPES and name:
        return " ".join(name), last.casefold()
    return " ".join([*name, last]), "read"
