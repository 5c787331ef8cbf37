"""An update a process died handling (webhook mode) is handled again by another process,
and changes nothing twice: the core calls already made give back their answers."""

from __future__ import annotations

import time
from typing import Any

from telegram import Update

from bot.inbox import Inbox
from bot.runner import HANDLING, Handling
from core.shops.updates import LEASE, receive, take_updates
from tests.bot.harness import ADMIN, Shopfront
from tests.conftest import Clock

UPDATE_ID = 900_001


def _command(text: str) -> dict[str, Any]:
    """The update Telegram posts for Ann's command in her private chat."""
    ann = {"id": ADMIN, "is_bot": False, "first_name": "Ann"}
    return {
        "update_id": UPDATE_ID,
        "message": {
            "message_id": 9001,
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "private", "first_name": "Ann"},
            "from": ann,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": text.index(" ")}],
        },
    }


async def test_an_update_handled_again_after_its_process_died_changes_stock_once(
    shopfront: Shopfront, clock: Clock
) -> None:
    await shopfront.open_shop()
    await shopfront.say(ADMIN, "/additem Green tea 10")
    payload = _command("/remove Green tea 3")
    with shopfront.db.unit_of_work() as uow:
        receive(uow, update_id=UPDATE_ID, chat_id=ADMIN, payload=payload)
    with shopfront.db.unit_of_work() as uow:
        [taken] = take_updates(uow, limit=1)
    marker = shopfront.api.mark()

    # The first process handles it and dies before it can mark it handled.
    token = HANDLING.set(Handling(UPDATE_ID, again=taken.attempt > 1))
    try:
        await shopfront.app.process_update(Update.de_json(taken.payload, shopfront.app.bot))
    finally:
        HANDLING.reset(token)
    # Its lease runs out; another process's inbox takes the update and handles it again.
    clock.advance(seconds=LEASE.total_seconds() + 1)
    inbox = Inbox(shopfront.app)
    inbox.start()
    try:
        first, second = await shopfront.api.await_messages(ADMIN, 2, after=marker)
    finally:
        await inbox.stop()

    # The same answer twice (the reply of the first process, then the second's): stock once.
    assert first.plain_text == second.plain_text == "✅ Took out 3 Green tea: 7 left."
    assert shopfront.quantity("Green tea") == 7
    assert shopfront.sql("SELECT count(*) FROM movements WHERE reason = 'remove'") == [(1,)]
    assert shopfront.sql(
        "SELECT attempts, handled_at IS NOT NULL FROM telegram_updates WHERE update_id = :id",
        id=UPDATE_ID,
    ) == [(2, True)]
