"""The load the replica tests put on the processes: chats of new users who each open a shop,
add an item and count it lower and lower, so that every reply names the command it answers
(its place in the chat's order), a command handled twice shows as a second reply with the
same count, and the item's alert opens exactly once in each chat."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tests.fakes.telegram_api import FakeBotApi, SentMessage

FIRST_CHAT = 20_000
TIMEOUT = 150.0


def counts(count: int) -> list[int]:
    """What a chat's /set commands count: one less each time, down to 2, so that the item
    falls below the default threshold of 5 once."""
    assert count >= 6
    return list(range(count - 1, 1, -1))


def commands(count: int) -> list[str]:
    """A chat's count commands: /start, an item with count in stock, then lower counts."""
    return ["/start", f"/additem Tea {count}", *[f"/set Tea {n}" for n in counts(count)]]


def expected_replies(chat: int, count: int) -> list[str]:
    """The start of each reply to commands(count), in order."""
    counted = [f"✅ Counted Tea: {n} in stock" for n in counts(count)]
    return [f"Welcome! I opened U{chat}'s shop", f"✅ Added Tea: {count} in stock", *counted]


def is_alert(message: SentMessage) -> bool:
    """A pushed alert card (the relay's), not a reply."""
    return any(b.get("callback_data", "").startswith("alert:") for b in message.buttons)


def queue_load(bot_api: FakeBotApi, chats: int, per_chat: int) -> int:
    """Every chat's commands, queued at once as users typing fast; how many updates."""
    with bot_api.batch():
        for chat in range(FIRST_CHAT, FIRST_CHAT + chats):
            for text in commands(per_chat):
                bot_api.send_message(chat, text, first_name=f"U{chat}")
    return chats * per_chat


async def await_load_done(bot_api: FakeBotApi, chats: int, per_chat: int) -> None:
    """Until every chat has the reply to its last command, which comes only once all its
    earlier ones were handled (a chat's updates are handled in order), and its alert."""
    for chat in range(FIRST_CHAT, FIRST_CHAT + chats):
        last = expected_replies(chat, per_chat)[-1]
        await bot_api.await_message(chat, contains=last, timeout=TIMEOUT)
        await bot_api.await_message(chat, predicate=is_alert, timeout=TIMEOUT)


@dataclass(frozen=True)
class Figures:
    """What became of the updates offered: each answered once, or lost, or answered again."""

    offered: int
    answered: int
    lost: int
    duplicates: int
    # replies that answer none of the commands as sent ("There is already an item called
    # Tea": an /additem handled a second time, after its item was made)
    unexpected: int
    alerts: int
    alerts_doubled: int
    out_of_order_chats: int

    def __str__(self) -> str:
        return (
            f"updates offered {self.offered}, answered {self.answered}, lost {self.lost}, "
            f"answered again {self.duplicates}, other replies {self.unexpected} (a command "
            f"handled again); alerts delivered {self.alerts}, "
            f"doubled {self.alerts_doubled}; chats out of order {self.out_of_order_chats}"
        )


def _places(replies: list[str], wanted: list[str]) -> list[int | None]:
    """For each reply, the command it answers (its index in wanted), None if it is none's."""
    return [next((i for i, w in enumerate(wanted) if r.startswith(w)), None) for r in replies]


def figures(bot_api: FakeBotApi, chats: int, per_chat: int) -> Figures:
    """Count, chat by chat, replies against the commands sent, and alert cards."""
    answered = lost = duplicates = unexpected = alerts = doubled = disordered = 0
    for chat in range(FIRST_CHAT, FIRST_CHAT + chats):
        sent = bot_api.messages(chat)
        cards = [m for m in sent if is_alert(m)]
        alerts += len(cards)
        doubled += max(len(cards) - 1, 0)
        replies = [m.plain_text or "" for m in sent if not is_alert(m)]
        places = _places(replies, expected_replies(chat, per_chat))
        seen = Counter(places)
        answered += sum(1 for place in range(per_chat) if seen[place])
        lost += sum(1 for place in range(per_chat) if not seen[place])
        duplicates += sum(n - 1 for place, n in seen.items() if place is not None)
        unexpected += seen[None]
        known = [place for place in places if place is not None]
        if known != sorted(known):
            disordered += 1
    offered = chats * per_chat
    return Figures(offered, answered, lost, duplicates, unexpected, alerts, doubled, disordered)
