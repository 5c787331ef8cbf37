"""Pushing FakeBotApi's updates to a webhook: a dispatcher thread POSTs them as Telegram does,
one at a time per chat, at most max_connections at once, retrying failures after a backoff."""

from __future__ import annotations

import copy
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httpx

from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

JsonDict = dict[str, Any]

THREAD_NAME = "fake-telegram-webhook"
# Telegram's most for max_connections; the pool is sized for it.
MOST_CONNECTIONS = 100


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of an update to the webhook: the status answered, or the error instead."""

    update_id: int
    chat_id: int | None
    status: int | None
    error: str | None
    started: float
    finished: float
    duplicate: bool = False

    @property
    def confirmed(self) -> bool:
        """Whether the webhook answered 2xx, which confirms the update."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    in_flight: dict[int, int | None] = field(default_factory=dict)  # update_id: chat_id
    failures: dict[int, int] = field(default_factory=dict)
    retry_at: dict[int, float] = field(default_factory=dict)
    duplicates: list[JsonDict] = field(default_factory=list)
    last_error: tuple[int, str] | None = None
    # set when an answer arrives, so the dispatcher recomputes when the next retry is due
    woken: bool = False


def _chat_id(update: JsonDict) -> int | None:
    """The chat an update belongs to, if any (a callback query's is its message's)."""
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict):
            return int(chat["id"])
    return None


class WebhookDeliveryMixin:
    """The delivery thread of FakeBotApi's webhook mode; it takes the signal's lock like a
    request does, so deliveries and API calls see one consistent state."""

    # FakeBotApi's state, which delivery reads and changes
    _signal: ChangeSignal
    _pending: list[JsonDict]
    _webhook: _Webhook | None
    _webhook_attempts: list[WebhookAttempt]
    _webhook_confirmed: dict[int, JsonDict]
    _webhook_threads: list[threading.Thread]
    webhook_timeout: float
    webhook_retry_first: float
    webhook_retry_max: float

    if TYPE_CHECKING:

        def _deliverable(self) -> list[JsonDict]: ...

    def _start_dispatcher(self, hook: _Webhook) -> None:
        thread = threading.Thread(target=self._dispatch, args=(hook,), name=THREAD_NAME)
        self._webhook_threads = [t for t in self._webhook_threads if t.is_alive()] + [thread]
        thread.start()

    def _dispatch(self, hook: _Webhook) -> None:
        timeout = httpx.Timeout(self.webhook_timeout)
        limits = httpx.Limits(max_connections=MOST_CONNECTIONS)
        with (
            httpx.Client(timeout=timeout, limits=limits) as client,
            ThreadPoolExecutor(MOST_CONNECTIONS, THREAD_NAME) as pool,
        ):
            while True:
                with self._signal:
                    batch = self._signal.wait_for(
                        lambda: self._next_batch(hook), self._until_next_retry(hook)
                    )
                    if self._webhook is not hook or self._signal.closed:
                        return  # leaving the with blocks waits for the posts in flight
                    for update, duplicate in batch or []:
                        hook.in_flight[update["update_id"]] = _chat_id(update)
                        update = copy.deepcopy(update)
                        pool.submit(self._post, hook, client, update, duplicate)

    def _until_next_retry(self, hook: _Webhook) -> float:
        due = list(hook.retry_at.values())
        return max(min(due) - time.monotonic(), 0.0) if due else DEFAULT_TIMEOUT

    def _next_batch(self, hook: _Webhook) -> list[tuple[JsonDict, bool]] | None:
        """What to post now: each chat's first update not in flight nor waiting for a retry."""
        if self._webhook is not hook or self._signal.closed or hook.woken:
            hook.woken = False
            return []  # a non-None answer ends the wait, so the dispatcher looks again
        now = time.monotonic()
        seen = {chat for chat in hook.in_flight.values() if chat is not None}
        room = hook.max_connections - len(hook.in_flight)
        batch: list[tuple[JsonDict, bool]] = []
        candidates = [(u, True) for u in hook.duplicates]
        candidates += [(u, False) for u in self._deliverable()]
        for update, duplicate in candidates:
            chat, update_id = _chat_id(update), update["update_id"]
            # one chat's updates go one at a time, in order, as Telegram sends them
            blocked = chat in seen or update_id in hook.in_flight
            if chat is not None:
                seen.add(chat)
            if blocked or hook.retry_at.get(update_id, 0.0) > now or len(batch) >= room:
                continue
            batch.append((update, duplicate))
        for update, duplicate in batch:
            if duplicate:
                hook.duplicates.remove(update)
        return batch or None

    def _post(
        self, hook: _Webhook, client: httpx.Client, update: JsonDict, duplicate: bool
    ) -> None:
        started, status, error = time.monotonic(), None, None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            response = client.post(hook.url, content=json.dumps(update), headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"Wrong response from the webhook: {status} {_phrase(status)}"
        except httpx.ConnectError:
            error = "Connection refused"
        except httpx.TimeoutException:
            error = "Read timeout expired"
        except httpx.HTTPError as exc:
            error = f"Connection failed: {exc}"
        finally:
            finished = time.monotonic()
            update_id, chat_id = update["update_id"], _chat_id(update)
            attempt = WebhookAttempt(
                update_id, chat_id, status, error, started, finished, duplicate
            )
            with self._signal:
                self._record_attempt(hook, attempt, update)

    def _record_attempt(self, hook: _Webhook, attempt: WebhookAttempt, update: JsonDict) -> None:
        update_id = attempt.update_id
        hook.in_flight.pop(update_id, None)
        self._webhook_attempts.append(attempt)
        if attempt.error is not None:
            hook.last_error = (int(time.time()), attempt.error)
        if attempt.duplicate:
            pass  # a duplicate is sent once, whatever the answer
        elif attempt.confirmed:
            self._pending = [u for u in self._pending if u["update_id"] != update_id]
            self._webhook_confirmed[update_id] = update
            hook.failures.pop(update_id, None)
            hook.retry_at.pop(update_id, None)
        else:
            failures = hook.failures[update_id] = hook.failures.get(update_id, 0) + 1
            backoff = self.webhook_retry_first * 2 ** (failures - 1)
            hook.retry_at[update_id] = attempt.finished + min(backoff, self.webhook_retry_max)
        hook.woken = True
        self._signal.notify()

    def _join_webhook(self) -> None:
        """Wait for the delivery threads; call after closing the signal, which ends them."""
        for thread in self._webhook_threads:
            thread.join()
        self._webhook_threads.clear()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
