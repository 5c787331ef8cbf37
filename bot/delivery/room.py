"""The room channel: a shop's alert cards and digests in its Telegram group (SPEC 3.1).

A card is sent once, then edited in place: the card's row is rendered from the alert as it is
when it is sent, so every change that waited shows in one edit. "Message is not modified"
is done; a card that was deleted from the group is sent again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated

from bot.delivery.limits import Stopped
from bot.delivery.messages import TelegramMessage, alert_buttons, digest_texts
from bot.delivery.setup import BotSetup
from bot.delivery.telegram import TelegramChannel, classify
from bot.texts.cards import card_text, folded_header
from core.delivery.channel import ChannelTraits, KeepGoing
from core.delivery.content import read_notice
from core.delivery.rooms import ROOM_MESSAGES_PER_MINUTE
from core.delivery.types import Claim, Outcome
from core.results import CardState, RoomTarget
from core.vocabulary import Channel, Kind

CardOf = Callable[[int], Awaitable[CardState | None]]
RoomOf = Callable[[int], Awaitable[RoomTarget | None]]
# Telegram's answers to an edit of a message the chat no longer has.
GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
NO_ROOM = "the shop has no room any more"


def card_message(card: CardState) -> TelegramMessage:
    """The card as it reads now: an open alert keeps its buttons, a resolved one has none."""
    buttons = alert_buttons(card.alert.id) if card.alert.is_open else None
    return TelegramMessage(card_text(card), buttons)


def room_texts(claim: Claim) -> list[str]:
    """A digest to the room: the daily reminders, or new alerts beyond the room's minute."""
    notice = read_notice(claim.kind, claim.payload)
    if claim.kind == Kind.HELD_DIGEST:
        return digest_texts(notice, header=folded_header(len(notice.items)))
    return digest_texts(notice)


class RoomChannel(TelegramChannel):
    """Pushes to shops' rooms, one message in flight per room, within the room's minute."""

    traits: ClassVar[ChannelTraits] = ChannelTraits(
        Channel.ROOM, per_recipient=1, per_minute=ROOM_MESSAGES_PER_MINUTE
    )

    def __init__(self, setup: BotSetup) -> None:
        super().__init__(setup.bot, stopping=setup.stopping, move_chat=setup.move_chat)
        self._card_of: CardOf = setup.card_of
        self._room_of: RoomOf = setup.room_of

    @classmethod
    def open(cls, setup: BotSetup) -> RoomChannel:
        """The rooms' channel of the running bot: on whenever Telegram is."""
        return cls(setup)

    async def send(self, claim: Claim, keep_going: KeepGoing) -> Outcome:
        """Send or edit the card, or send the digest, in the shop's room as it is now."""
        if claim.kind == Kind.CARD and claim.alert_id is not None:
            return self._scrubbed(await self._card(claim, keep_going))
        room = await self._room_of(claim.shop_id)
        if room is None:
            return Outcome.dead(NO_ROOM)
        try:
            texts = room_texts(claim)
        except ValueError as exc:
            return Outcome.dead(f"cannot build the message: {exc}")
        messages = [TelegramMessage(text) for text in texts]
        return await self.send_parts(claim, room.chat_id, messages, keep_going, room.thread_id)

    async def _card(self, claim: Claim, keep_going: KeepGoing) -> Outcome:
        assert claim.alert_id is not None
        card = await self._card_of(claim.alert_id)
        if card is None:
            return Outcome.dead(NO_ROOM)
        message = card_message(card)
        if card.message_id is not None:
            edited = await self._edit(
                claim, card.room.chat_id, card.message_id, message, keep_going
            )
            if edited is not None:
                return edited
        outcome, chat_id, sent = await self._send_part(
            claim, card.room.chat_id, message, keep_going, card.room.thread_id
        )
        if outcome is not None or sent is None:
            return outcome or Outcome.retry("Telegram sent no message back")
        return Outcome.sent(card=(chat_id, sent.message_id))

    async def _edit(
        self,
        claim: Claim,
        chat_id: int,
        message_id: int,
        message: TelegramMessage,
        keep_going: KeepGoing,
    ) -> Outcome | None:
        """Edit the card in place; None when the chat no longer has it (send a new one)."""
        try:
            async with self._pacer.turn(chat_id, self._stopping):
                if not keep_going(claim):
                    return Outcome.defer("lease ran out before sending")
                await self._bot.edit_message_text(
                    message.text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    # None takes the buttons away, as a resolved card wants.
                    reply_markup=message.reply_markup,
                    **self._push_args,
                )
            return Outcome.sent(card=(chat_id, message_id))
        except BadRequest as error:
            text = error.message.casefold()
            if "not modified" in text:
                return Outcome.sent()
            if any(gone in text for gone in GONE):
                return None
            return classify(error)
        except ChatMigrated as migrated:
            await self._move_chat(chat_id, migrated.new_chat_id)
            return Outcome.defer("the group became a supergroup")
        except Stopped:
            return Outcome.defer(None)
        except Exception as exc:
            return classify(exc, stopping=self._stopping.is_set())
