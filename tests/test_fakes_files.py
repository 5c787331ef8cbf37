"""FakeBotApi's files behave like Telegram's for python-telegram-bot: documents users send,
getFile, the download, and the 20 MB a bot may download."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_files import MAX_DOWNLOAD

USER = 424242


def make_bot(api: FakeBotApi) -> Bot:
    return Bot(api.token, base_url=api.base_url, base_file_url=api.file_base_url)


async def test_a_sent_document_is_fetched_with_get_file_and_downloaded(
    bot_api: FakeBotApi,
) -> None:
    content = "Name;Quantity\r\nTée;3\r\n".encode()
    bot_api.send_document(USER, content, file_name="stock.csv", mime_type="text/csv")
    async with make_bot(bot_api) as bot:
        (update,) = await bot.get_updates()
        document = update.message.document
        assert (document.file_name, document.mime_type) == ("stock.csv", "text/csv")
        assert document.file_size == len(content)
        file = await bot.get_file(document.file_id)
        assert file.file_path
        downloaded = await file.download_as_bytearray()
    assert bytes(downloaded) == content
    assert bot_api.downloads == [document.file_id]


async def test_a_file_over_20_mb_is_refused_as_telegram_does(bot_api: FakeBotApi) -> None:
    bot_api.send_document(USER, b"x", file_name="huge.csv", file_size=MAX_DOWNLOAD + 1)
    async with make_bot(bot_api) as bot:
        (update,) = await bot.get_updates()
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file(update.message.document.file_id)
    assert bot_api.downloads == []


async def test_an_unknown_file_id_is_a_bad_request(bot_api: FakeBotApi) -> None:
    async with make_bot(bot_api) as bot:
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("nope")
