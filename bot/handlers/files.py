"""Files in the chat: /export sends the shop's spreadsheets; a spreadsheet a member sends is
downloaded, read into a preview with Apply and Cancel, and applied once."""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import Context
from bot.errors import Refusal
from bot.handlers.common import button, reply, topic_of, user_of
from bot.render import esc
from bot.runner import call_core
from bot.texts import files as texts
from bot.texts.common import BUTTON_GONE
from core.sheets.reading import check_upload
from core.sheets.writing import Table, csv_bytes
from core.shops.members import require_member_ref
from core.stock import export, imports
from core.stock.import_plan import ImportPreviewView

PREFIX = "import:"
BUTTON = re.compile(r"import:(apply|cancel):(\d{1,18})")


async def export_command(update: Update, context: Context) -> None:
    """/export: the items and movements as CSV files and one workbook."""
    files = await call_core(context, export.export_for_member, telegram_user_id=user_of(update))
    assert update.effective_chat is not None
    chat, topic = update.effective_chat.id, topic_of(update)
    name, data = files.xlsx
    await context.bot.send_document(
        chat, data, filename=name, caption=texts.export_caption(files), message_thread_id=topic
    )
    for name, data in (files.items_csv, files.movements_csv):
        await context.bot.send_document(chat, data, filename=name, message_thread_id=topic)


async def _download(context: Context, file_id: str) -> bytes:
    try:
        file = await context.bot.get_file(file_id)
    except BadRequest as error:
        raise Refusal(f"Telegram would not hand me the file: {error.message}") from None
    return bytes(await file.download_as_bytearray())


def _keyboard(preview: ImportPreviewView) -> InlineKeyboardMarkup | None:
    if not preview.has_changes:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.APPLY_BUTTON, callback_data=f"{PREFIX}apply:{preview.id}"
                ),
                InlineKeyboardButton(
                    texts.CANCEL_BUTTON, callback_data=f"{PREFIX}cancel:{preview.id}"
                ),
            ]
        ]
    )


async def document(update: Update, context: Context) -> None:
    """A document in a private chat: refused by its name and size before it is downloaded,
    then previewed; the rows not imported come as a CSV too when there are more than shown."""
    message = update.effective_message
    assert message is not None
    assert message.document is not None
    sent = message.document
    await call_core(context, require_member_ref, telegram_user_id=user_of(update))
    check_upload(sent.file_name, sent.file_size)
    data = await _download(context, sent.file_id)
    preview = await call_core(
        context,
        imports.preview_for_member,
        telegram_user_id=user_of(update),
        data=data,
        file_name=sent.file_name,
    )
    await reply(update, context, texts.preview_text(preview, sent.file_name), _keyboard(preview))
    if len(preview.errors) > texts.SHOWN_ERRORS:
        rows = [(error.row, error.reason) for error in preview.errors]
        table = Table("Errors", ("Row", "Reason"), rows)
        await message.reply_document(
            csv_bytes(table), filename="import-errors.csv", caption=texts.ERRORS_CAPTION
        )


@button
async def import_button(update: Update, context: Context, query: CallbackQuery) -> str | None:
    """Apply or Cancel under a preview: any member of the shop may press; once applied,
    pressing again answers what was done."""
    match = BUTTON.fullmatch(query.data or "")
    if match is None:
        raise Refusal(BUTTON_GONE)
    action, preview_id = match.group(1), int(match.group(2))
    user = user_of(update)
    if action == "cancel":
        await call_core(
            context, imports.cancel_for_member, telegram_user_id=user, preview_id=preview_id
        )
        await query.edit_message_text(texts.CANCELLED, parse_mode=ParseMode.HTML)
        return None
    # A big file takes a while: the buttons go at once, so nobody presses again meanwhile.
    await query.edit_message_text(texts.APPLYING, parse_mode=ParseMode.HTML)
    try:
        result = await call_core(
            context, imports.apply_for_member, telegram_user_id=user, preview_id=preview_id
        )
    except Refusal as refusal:
        await query.edit_message_text(f"⚠️ {esc(refusal.text)}", parse_mode=ParseMode.HTML)
        raise
    await query.edit_message_text(texts.applied(result), parse_mode=ParseMode.HTML)
    return None
