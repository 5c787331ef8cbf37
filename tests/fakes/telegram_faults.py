"""Fault injection for FakeBotApi: error answers on demand and chats that blocked the bot."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from tests.fakes.telegram_wire import ApiError
from tests.fakes.waiting import ChangeSignal

JsonDict = dict[str, Any]

_SEND_METHODS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)


@dataclass
class _Fault:
    method: str
    error: ApiError
    chat_id: int | None
    remaining: int | None


class FaultInjectionMixin:
    """FakeBotApi's injected faults: checked before every call, set up by tests."""

    # FakeBotApi's state, which the faults use
    _signal: ChangeSignal
    _faults: list[_Fault]
    _blocked: set[int]
    _by_lower: dict[str, str]

    def _check_faults(self, method: str, params: JsonDict) -> None:
        chat_id = params.get("chat_id")
        if method in _SEND_METHODS and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                raise fault.error

    # -- fault injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | None = None,
        times: int | None = 1,
    ) -> None:
        """Make the next `times` calls (None: all) of method, optionally to one chat, fail."""
        if error_code == 429 and retry_after is None:
            retry_after = 2  # Telegram always says how long to wait with a 429
        parameters: JsonDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = self._default_description(error_code, retry_after, migrate_to_chat_id)
        canonical = self._by_lower.get(method.lower(), method)
        error = ApiError(error_code, description, parameters)
        with self._signal:
            self._faults.append(_Fault(canonical, error, chat_id, times))

    @staticmethod
    def _default_description(
        error_code: int, retry_after: int | None, migrate_to_chat_id: int | None
    ) -> str:
        if error_code == 429:
            return f"Too Many Requests: retry after {retry_after}"
        if error_code == 403:
            return "Forbidden: bot was blocked by the user"
        if error_code == 400 and migrate_to_chat_id is not None:
            return "Bad Request: group chat was upgraded to a supergroup chat"
        if error_code == 400:
            return "Bad Request: chat not found"
        return HTTPStatus(error_code).phrase

    def clear_faults(self) -> None:
        """Drop every pending fail_next."""
        with self._signal:
            self._faults.clear()

    def block_chat(self, chat_id: int) -> None:
        """Every send to chat_id answers 403 "bot was blocked by the user" until unblocked."""
        with self._signal:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        with self._signal:
            self._blocked.discard(chat_id)
