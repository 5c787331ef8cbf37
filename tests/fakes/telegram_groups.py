"""Groups in FakeBotApi: supergroups, forum topics, privacy mode, membership and migration."""

from __future__ import annotations

import copy
import itertools
import time
from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_flood import GroupFloodLimitMixin
from tests.fakes.telegram_wire import ApiError, _bad_request
from tests.fakes.waiting import ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import _Chat

JsonDict = dict[str, Any]

TOPIC_CREATOR_ID = 1000
_TOPIC_ICON_COLOR = 7322096  # one of the six colours Telegram allows for topic icons
_NOT_MEMBER = frozenset({"left", "kicked"})
# Supergroup ids are -100 followed by ten digits.
_SUPERGROUP_BASE = 1_001_000_000_000


class GroupsMixin(GroupFloodLimitMixin):
    """FakeBotApi's group chats: what tests set up there and what the bot may do in them."""

    # FakeBotApi's state and message store, which these methods use
    _signal: ChangeSignal
    _chats: dict[int, _Chat]
    _blocked: set[int]
    privacy_mode: bool
    _bot_status: dict[int, str]
    _migrated: dict[int, int]

    if TYPE_CHECKING:

        def bot_user(self) -> JsonDict: ...

        def _chat(self, chat_id: int) -> _Chat: ...

        def _reply_to(self, chat: _Chat, params: JsonDict) -> JsonDict: ...

        def _new_message(self, chat: _Chat, sender: JsonDict, content: JsonDict) -> JsonDict: ...

        def _user(self, user_id: int, first_name: str, username: str | None) -> JsonDict: ...

        def _user_chat(self, user: JsonDict, chat_id: int | None) -> _Chat: ...

        def queue_update(self, payload: JsonDict) -> JsonDict: ...

        def block_chat(self, chat_id: int) -> None: ...

    def _init_groups(self) -> None:
        # Telegram's default for a new bot: in groups it only sees what is meant for it.
        self.privacy_mode = True
        self._bot_status = {}
        self._migrated = {}
        self._init_flood_limit(time.monotonic)

    # -- setting up groups ---------------------------------------------------------------------

    def create_group(
        self,
        chat_id: int,
        title: str = "Shop team",
        *,
        supergroup: bool = False,
        forum: bool = False,
    ) -> int:
        """Register a basic group (id like -4001) or a supergroup (id like -1001234567890),
        a forum if forum=True; the bot is a member of it. Returns chat_id."""
        if supergroup != str(chat_id).startswith("-100") or chat_id >= 0:
            raise ValueError(f"{chat_id} is not a {'super' if supergroup else 'basic '}group id")
        if forum and not supergroup:
            raise ValueError("only a supergroup can be a forum")
        info: JsonDict = {"id": chat_id, "type": "supergroup" if supergroup else "group"}
        info["title"] = title
        if forum:
            info["is_forum"] = True
        with self._signal:
            self._chat(chat_id).info = info
            self._bot_status[chat_id] = "member"
        return chat_id

    def create_topic(self, chat_id: int, name: str, *, by_user_id: int = TOPIC_CREATOR_ID) -> int:
        """Open a forum topic; returns its message_thread_id, the id of the stored
        "forum_topic_created" service message (not queued as an update)."""
        with self._signal:
            chat = self._chat(chat_id)
            if not chat.info.get("is_forum"):
                raise ValueError(f"chat {chat_id} is not a forum")
            creator = self._user(by_user_id, "Admin", None)
            created = {"forum_topic_created": {"name": name, "icon_color": _TOPIC_ICON_COLOR}}
            message = self._new_message(chat, creator, created)
            message.update(message_thread_id=message["message_id"], is_topic_message=True)
            return int(message["message_id"])

    def _thread_fields(self, chat: _Chat, thread_id: Any) -> JsonDict:
        """What a message in topic thread_id carries; like Telegram, a topic message that
        answers nothing else replies to the topic's creation message."""
        if thread_id is None:
            return {}
        created = chat.messages.get(thread_id) if isinstance(thread_id, int) else None
        if created is None or "forum_topic_created" not in created:
            raise _bad_request("message thread not found")
        return {
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "reply_to_message": copy.deepcopy(created),
        }

    def _placement(self, chat: _Chat, params: JsonDict) -> JsonDict:
        """The topic and reply parts of a message the bot sends with these params."""
        return {
            **self._thread_fields(chat, params.get("message_thread_id")),
            **self._reply_to(chat, params),
        }

    # -- privacy mode --------------------------------------------------------------------------

    def _reaches_bot(self, chat: _Chat, message: JsonDict) -> bool:
        """Whether Telegram would hand this user message to the bot."""
        if chat.info["type"] == "private":
            return True
        if self._bot_status.get(chat.info["id"]) in _NOT_MEMBER:
            return False
        return not self.privacy_mode or self._meant_for_bot(message)

    def _meant_for_bot(self, message: JsonDict) -> bool:
        bot = self.bot_user()
        replied = message.get("reply_to_message") or {}
        if replied.get("from", {}).get("id") == bot["id"]:
            return True
        command = next((e for e in message.get("entities", []) if e["type"] == "bot_command"), None)
        if command is None or command["offset"] != 0:
            return False
        _, _, addressee = message["text"][: command["length"]].partition("@")
        return addressee.lower() in ("", bot["username"].lower())

    # -- membership ----------------------------------------------------------------------------

    def _member_update(
        self, chat: _Chat, by_user: JsonDict, old: JsonDict, new: JsonDict
    ) -> JsonDict:
        bot = self.bot_user()
        change = {
            "chat": dict(chat.info),
            "from": by_user,
            "date": int(time.time()),
            "old_chat_member": {**old, "user": bot},
            "new_chat_member": {**new, "user": bot},
        }
        return self.queue_update({"my_chat_member": change})

    def add_bot_to_group(self, chat_id: int, by_user_id: int, first_name: str = "Anna") -> JsonDict:
        """A user adds the bot: queues my_chat_member "left" -> "member"; returns the update."""
        with self._signal:
            self._bot_status[chat_id] = "member"
            by_user = self._user(by_user_id, first_name, None)
            return self._member_update(
                self._chat(chat_id), by_user, {"status": "left"}, {"status": "member"}
            )

    def remove_bot_from_group(
        self, chat_id: int, by_user_id: int, *, kicked: bool = True, first_name: str = "Anna"
    ) -> JsonDict:
        """A user removes the bot (kicked, or left): queues my_chat_member and makes every
        later bot method on chat_id answer 403. Returns the update."""
        new: JsonDict = {"status": "kicked", "until_date": 0} if kicked else {"status": "left"}
        with self._signal:
            self._bot_status[chat_id] = new["status"]
            by_user = self._user(by_user_id, first_name, None)
            return self._member_update(self._chat(chat_id), by_user, {"status": "member"}, new)

    def user_blocks_bot(self, user_id: int, first_name: str = "Test") -> JsonDict:
        """The user blocks the bot: queues my_chat_member "member" -> "kicked" in the private
        chat, then sends there answer 403 "bot was blocked by the user". Returns the update."""
        with self._signal:
            user = self._user(user_id, first_name, None)
            self.block_chat(user_id)
            chat = self._user_chat(user, None)
            kicked = {"status": "kicked", "until_date": 0}
            return self._member_update(chat, user, {"status": "member"}, kicked)

    # -- migration -----------------------------------------------------------------------------

    def migrate_to_supergroup(self, chat_id: int, by_user_id: int, first_name: str = "Anna") -> int:
        """The group becomes a supergroup with a new id, which is returned: both service
        messages are queued, and bot methods on the old id answer 400 with migrate_to_chat_id."""
        with self._signal:
            old = self._chat(chat_id)
            new_id = next(
                -n
                for n in itertools.count(_SUPERGROUP_BASE + abs(chat_id))
                if -n not in self._chats
            )
            self.create_group(new_id, old.info.get("title", "Test group"), supergroup=True)
            new = self._chats[new_id]
            # Numbering on from the old group's ids, so none of them exists in the new chat.
            new.next_message_id = old.next_message_id
            self._migrated[chat_id] = new_id
            user = self._user(by_user_id, first_name, None)
            for chat, content in (
                (old, {"migrate_to_chat_id": new_id}),
                (new, {"migrate_from_chat_id": chat_id}),
            ):
                self.queue_update(
                    {"message": copy.deepcopy(self._new_message(chat, user, content))}
                )
            return new_id

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """A member (an admin of the group) deletes a message: the bot can no longer edit it."""
        with self._signal:
            del self._chat(chat_id).messages[message_id]

    # -- what the bot may do -------------------------------------------------------------------

    def _check_chat_state(self, method: str, params: JsonDict) -> None:
        """Refuse, as Telegram does, calls on a chat that moved or that the bot is not in."""
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id >= 0:
            return
        if chat_id in self._migrated:
            new_id = self._migrated[chat_id]
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new_id},
            )
        status = self._bot_status.get(chat_id)
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
