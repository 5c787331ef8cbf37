"""The questions the bot asks (a new item's name and quantity, a restock amount, what was
ordered), kept in the database (core.shops.conversations) so that the answer may reach any
process: what each question holds, and asking, reading and leaving one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update

from bot.context import Context
from bot.handlers.common import in_group, reply
from bot.render import esc
from bot.runner import call_core
from core.shops import conversations


@dataclass(frozen=True)
class AskName:
    """/additem without arguments: the next message is the new item's name."""


@dataclass(frozen=True)
class AdditemQuantity:
    """The next message is the new item's quantity (and, optionally, its threshold)."""

    name: str


@dataclass(frozen=True)
class NotedMessage:
    """A private alert message the answer is noted on once recorded, buttons kept."""

    chat_id: int
    message_id: int
    text_html: str
    keyboard: dict[str, Any] | None

    @classmethod
    def of(cls, message: Message) -> NotedMessage | None:
        """The message as it is now; None when it has no text to add to."""
        if message.text is None:
            return None
        markup = message.reply_markup
        keyboard = markup.to_dict() if markup is not None else None
        return cls(message.chat.id, message.message_id, message.text_html, keyboard)

    def markup(self) -> InlineKeyboardMarkup | None:
        """The message's buttons, to keep them when it is edited."""
        return InlineKeyboardMarkup.de_json(self.keyboard, None) if self.keyboard else None


@dataclass(frozen=True)
class OrderDetails:
    """The Ordered button of an alert: the next message is the quantity and/or due date.
    The private alert message it was pressed on is noted, to say the order on it."""

    alert_id: int
    item_name: str
    on_message: NotedMessage | None = None


@dataclass(frozen=True)
class RestockAmount:
    """The Restock button of an alert: the next message is how many arrived."""

    alert_id: int
    item_name: str


Question = AskName | AdditemQuantity | OrderDetails | RestockAmount
_KINDS: dict[str, type[Question]] = {
    "name": AskName,
    "quantity": AdditemQuantity,
    "order": OrderDetails,
    "restock": RestockAmount,
}
_KIND_OF = {kind: name for name, kind in _KINDS.items()}


def to_payload(pending: Question) -> dict[str, Any]:
    """What is stored of a question."""
    return {"kind": _KIND_OF[type(pending)], **asdict(pending)}


def from_payload(payload: dict[str, Any]) -> Question | None:
    """The question stored; None for one this version does not know (it is left)."""
    fields = dict(payload)
    kind = _KINDS.get(str(fields.pop("kind", "")))
    try:
        if kind is OrderDetails and fields.get("on_message") is not None:
            fields["on_message"] = NotedMessage(**fields["on_message"])
        return kind(**fields) if kind is not None else None
    except TypeError:
        return None


async def question(update: Update, context: Context) -> Question | None:
    """The open question this user is answering, if any."""
    return await _stored(update, context, conversations.open_question)


async def forget_question(update: Update, context: Context) -> Question | None:
    """Close the user's open question; returns it."""
    return await _stored(update, context, conversations.close_question)


async def _stored(
    update: Update, context: Context, read: Callable[..., dict[str, Any] | None]
) -> Question | None:
    user = update.effective_user
    if user is None:
        return None
    found = await call_core(context, read, telegram_user_id=user.id)
    return from_payload(found) if found is not None else None


async def ask(
    update: Update,
    context: Context,
    pending: Question,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> None:
    """Ask a question and remember it: the user's next message answers it. In a group the
    bot sees only replies to its messages (privacy mode), so the question names the user
    and asks for a reply (its buttons, if any, give way to that)."""
    user = update.effective_user
    assert user is not None
    await call_core(
        context, conversations.ask_question, telegram_user_id=user.id, payload=to_payload(pending)
    )
    if not in_group(update):
        await reply(update, context, text, keyboard)
        return
    named = f'<a href="tg://user?id={user.id}">{esc(user.first_name)}</a>, {text}'
    await reply(update, context, named, ForceReply(selective=True))
