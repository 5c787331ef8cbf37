"""One of several `stockbot run`-like processes on one database, for the shared budget's tests:
`python -m tests.delivery.budget_child JOB`. It opens its bot, prints "ready", sends the job's
messages all at once when a line arrives on stdin, and prints what became of each as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.delivery.limits import PUSH, build_rate_limiter
from core.db.session import Database
from core.settings import load_settings


async def send(bot: ExtBot[None], chat_id: int, text: str, *, push: bool) -> str:
    """ "sent", or "put off" when the rate limiter gave it back as a RetryAfter."""
    try:
        await bot.send_message(chat_id, text, rate_limit_args=PUSH if push else None)
    except RetryAfter:
        return "put off"
    return "sent"


async def run(job: dict[str, Any]) -> list[str]:
    settings = load_settings(
        telegram_bot_token=job["token"],
        telegram_api_base_url=job["base_url"],
        telegram_rate_limit=job["rate"],
        database_url=job["database_url"],
        smtp_host=None,
        twilio_account_sid=None,
    )
    database = Database.from_settings(settings)
    bot = ExtBot(
        job["token"], base_url=job["base_url"], rate_limiter=build_rate_limiter(settings, database)
    )
    try:
        async with bot:
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            return list(
                await asyncio.gather(
                    *(send(bot, job["chat_id"], text, push=job["push"]) for text in job["texts"])
                )
            )
    finally:
        database.dispose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(json.loads(sys.argv[1])))), flush=True)
