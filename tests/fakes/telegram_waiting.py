"""FakeBotApi's waits: block or await until the bot sends, calls or answers something."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tests.fakes.http_server import LoopbackHttpServer
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

if TYPE_CHECKING:
    from tests.fakes.telegram_api import ApiErrorAnswer, ApiRequest, SentMessage

T = TypeVar("T")
JsonDict = dict[str, Any]


@dataclass(frozen=True)
class _Failure:
    """What a timed-out wait was waiting for, and which chat's messages explain it."""

    what: str
    chat_id: int | None = None


class WaitingMixin:
    """FakeBotApi's wait_for_* and await_* methods; a timeout explains what was seen instead."""

    # FakeBotApi's state and methods, which the waits read
    _signal: ChangeSignal
    _server: LoopbackHttpServer
    _sent: list[SentMessage]
    _requests: list[ApiRequest]
    _errors: list[ApiErrorAnswer]
    _unknown: list[str]
    _answers: list[JsonDict]
    _pending: list[JsonDict]
    _polls: int
    _by_lower: dict[str, str]

    if TYPE_CHECKING:

        def mark(self) -> int: ...

        def send_message(
            self,
            user_id: int,
            text: str,
            *,
            first_name: str = "Test",
            username: str | None = None,
            chat_id: int | None = None,
            message_thread_id: int | None = None,
            reply_to_message_id: int | None = None,
        ) -> JsonDict | None: ...

    # -- waiting -------------------------------------------------------------------------------

    def _matching(
        self,
        chat_id: int,
        after: int | None,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> list[SentMessage]:
        return [
            m
            for m in self._sent
            if m.chat_id == chat_id
            and m.seq > (after or 0)
            and (contains is None or contains in (m.plain_text or ""))
            and (predicate is None or predicate(m))
        ]

    def _explain(self, what: str, chat_id: int | None = None) -> AssertionError:
        with self._signal:
            sent = [m for m in self._sent if chat_id in (None, m.chat_id)]
            lines = [f"{what}.", f"Messages{'' if chat_id is None else f' to chat {chat_id}'}:"]
            lines += [
                f"  #{m.seq} {m.method} id={m.message_id}: {m.plain_text!r:.300}" for m in sent
            ]
            lines.append(f"Errors answered: {[(e.method, e.description) for e in self._errors]}")
            lines.append(f"Unknown methods: {self._unknown}")
            lines.append(f"Pending updates: {len(self._pending)}; getUpdates calls: {self._polls}")
            lines += [f"Fake server bug:\n{e}" for e in self._server.app_errors]
            if self._signal.closed:
                lines.append("The fake has been stopped.")
        return AssertionError("\n".join(lines))

    def _wait(self, probe: Callable[[], T | None], timeout: float, failure: _Failure) -> T:
        found = self._signal.wait_for(probe, timeout)
        if found is None:
            raise self._explain(f"{failure.what} within {timeout}s", failure.chat_id)
        return found

    async def _await(self, probe: Callable[[], T | None], timeout: float, failure: _Failure) -> T:
        found = await self._signal.await_for(probe, timeout)
        if found is None:
            raise self._explain(f"{failure.what} within {timeout}s", failure.chat_id)
        return found

    def _message_probe(
        self,
        chat_id: int,
        contains: str | None,
        predicate: Callable[[SentMessage], bool] | None,
        after: int | None,
    ) -> Callable[[], SentMessage | None]:
        return lambda: next(iter(self._matching(chat_id, after, contains, predicate)), None)

    def wait_for_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> SentMessage:
        """Block until a message to chat_id (after marker) matches; AssertionError on timeout."""
        probe = self._message_probe(chat_id, contains, predicate, after)
        return self._wait(
            probe, timeout, _Failure(f"No message to chat {chat_id} {contains=}", chat_id)
        )

    async def await_message(
        self,
        chat_id: int,
        *,
        contains: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> SentMessage:
        """wait_for_message without blocking the event loop."""
        probe = self._message_probe(chat_id, contains, predicate, after)
        failure = _Failure(f"No message to chat {chat_id} {contains=}", chat_id)
        return await self._await(probe, timeout, failure)

    def _count_probe(
        self, chat_id: int, count: int, after: int | None
    ) -> Callable[[], list[SentMessage] | None]:
        def probe() -> list[SentMessage] | None:
            found = self._matching(chat_id, after)
            return found[:count] if len(found) >= count else None

        return probe

    def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> list[SentMessage]:
        """Block until count messages (after marker) reached chat_id; returns the first count."""
        failure = _Failure(f"Fewer than {count} messages to chat {chat_id}", chat_id)
        return self._wait(self._count_probe(chat_id, count, after), timeout, failure)

    async def await_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> list[SentMessage]:
        """wait_for_messages without blocking the event loop."""
        failure = _Failure(f"Fewer than {count} messages to chat {chat_id}", chat_id)
        return await self._await(self._count_probe(chat_id, count, after), timeout, failure)

    async def ask(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SentMessage:
        """Send text as user_id and return the first message the bot sends that chat after it."""
        marker = self.mark()
        self.send_message(user_id, text, chat_id=chat_id)
        target = chat_id if chat_id is not None else user_id
        return await self.await_message(target, after=marker, timeout=timeout)

    async def ask_all(
        self,
        user_id: int,
        text: str,
        count: int,
        *,
        chat_id: int | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[SentMessage]:
        """Send text as user_id and return the next count messages the bot sends that chat."""
        marker = self.mark()
        self.send_message(user_id, text, chat_id=chat_id)
        target = chat_id if chat_id is not None else user_id
        return await self.await_messages(target, count, after=marker, timeout=timeout)

    def _answer_probe(self, query_id: str) -> Callable[[], JsonDict | None]:
        return lambda: next((a for a in self._answers if a["callback_query_id"] == query_id), None)

    def wait_for_callback_answer(
        self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> JsonDict:
        """Block until the bot answers that callback query."""
        failure = _Failure(f"Callback query {callback_query_id} not answered")
        return self._wait(self._answer_probe(callback_query_id), timeout, failure)

    async def await_callback_answer(
        self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT
    ) -> JsonDict:
        """wait_for_callback_answer without blocking the event loop."""
        failure = _Failure(f"Callback query {callback_query_id} not answered")
        return await self._await(self._answer_probe(callback_query_id), timeout, failure)

    def _request_probe(
        self, method: str, predicate: Callable[[ApiRequest], bool] | None, after: int | None
    ) -> Callable[[], ApiRequest | None]:
        canonical = self._by_lower.get(method.lower(), method)
        return lambda: next(
            (
                r
                for r in self._requests
                if r.method == canonical
                and r.seq > (after or 0)
                and (predicate is None or predicate(r))
            ),
            None,
        )

    def wait_for_request(
        self,
        method: str,
        predicate: Callable[[ApiRequest], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> ApiRequest:
        """Block until the bot calls method (after marker, matching predicate)."""
        probe = self._request_probe(method, predicate, after)
        return self._wait(probe, timeout, _Failure(f"No matching {method} request"))

    async def await_request(
        self,
        method: str,
        predicate: Callable[[ApiRequest], bool] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        after: int | None = None,
    ) -> ApiRequest:
        """wait_for_request without blocking the event loop."""
        probe = self._request_probe(method, predicate, after)
        return await self._await(probe, timeout, _Failure(f"No matching {method} request"))

    def wait_until_polled(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Block until the bot has called getUpdates, i.e. it is running."""
        self._wait(lambda: self._polls or None, timeout, _Failure("No getUpdates call"))

    async def await_polled(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """wait_until_polled without blocking the event loop."""
        await self._await(lambda: self._polls or None, timeout, _Failure("No getUpdates call"))

    async def await_sent_in_all(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until the bot has sent (or edited) at least count messages to any chats."""
        failure = _Failure(f"Fewer than {count} messages in all")
        await self._await(lambda: len(self._sent) >= count or None, timeout, failure)
