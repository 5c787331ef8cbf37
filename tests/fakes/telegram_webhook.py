"""FakeBotApi's webhook mode: setWebhook, getWebhookInfo, deleteWebhook and what tests see of
the deliveries (telegram_webhook_delivery posts them)."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tests.fakes.telegram_waiting import _Failure
from tests.fakes.telegram_webhook_delivery import (
    MOST_CONNECTIONS,
    WebhookAttempt,
    WebhookDeliveryMixin,
    _Webhook,
)
from tests.fakes.telegram_wire import ApiError, _bad_request
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

JsonDict = dict[str, Any]
T = TypeVar("T")

_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Telegram insists on HTTPS; the receivers tests start serve plain HTTP on loopback.
_WEBHOOK_URL_RE = re.compile(r"https://[^\s/]+(/\S*)?|http://127\.0\.0\.1:\d+(/\S*)?")
_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_DEFAULT_CONNECTIONS = 40  # Telegram's


class WebhookMixin(WebhookDeliveryMixin):
    """FakeBotApi's webhook mode: the Bot API methods, and inspecting and awaiting deliveries."""

    # FakeBotApi's state and methods, which webhook mode uses
    _signal: ChangeSignal
    _pending: list[JsonDict]
    _allowed_updates: list[str]

    if TYPE_CHECKING:

        def _deliverable(self) -> list[JsonDict]: ...

        def _wait(self, probe: Callable[[], T | None], timeout: float, failure: _Failure) -> T: ...

        async def _await(
            self, probe: Callable[[], T | None], timeout: float, failure: _Failure
        ) -> T: ...

    def _init_webhook(self) -> None:
        self.webhook_timeout = 5.0
        self.webhook_retry_first = 0.2
        self.webhook_retry_max = 2.0
        self._webhook: _Webhook | None = None
        self._webhook_attempts: list[WebhookAttempt] = []
        self._webhook_confirmed: dict[int, JsonDict] = {}
        self._webhook_threads: list[threading.Thread] = []

    # -- Bot API methods -----------------------------------------------------------------------

    def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        if not _WEBHOOK_URL_RE.fullmatch(url):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        connections = int(params.get("max_connections") or _DEFAULT_CONNECTIONS)
        connections = min(max(connections, 1), MOST_CONNECTIONS)
        allowed = params.get("allowed_updates")
        if allowed is not None:
            self._allowed_updates = list(allowed)  # the filter getUpdates applies too
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if self._webhook is None:
            self._webhook = _Webhook(url, secret, connections, allowed)
            self._start_dispatcher(self._webhook)
        else:  # the running dispatcher reads the new settings on its next round
            hook = self._webhook
            hook.url, hook.secret_token, hook.max_connections = url, secret, connections
            hook.allowed_updates = allowed if allowed is not None else hook.allowed_updates
        self._signal.notify()
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._signal.notify()
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        pending = len(self._deliverable())
        info: JsonDict = {"url": "", "has_custom_certificate": False}
        info["pending_update_count"] = pending
        hook = self._webhook
        if hook is None:
            return info
        info.update(url=hook.url, max_connections=hook.max_connections)
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error is not None:
            info["last_error_date"], info["last_error_message"] = hook.last_error
        return info

    def _refuse_while_webhook_set(self) -> None:
        if self._webhook is not None:
            raise ApiError(409, _CONFLICT)

    # -- inspection ----------------------------------------------------------------------------

    @property
    def webhook_url(self) -> str | None:
        """The url set by setWebhook, or None in getUpdates mode."""
        with self._signal:
            return self._webhook.url if self._webhook else None

    @property
    def webhook_deliveries(self) -> list[WebhookAttempt]:
        """Every POST to a webhook that has been answered or failed, in the order they ended."""
        with self._signal:
            return list(self._webhook_attempts)

    def duplicate_delivery(self, update_id: int) -> None:
        """POST an already confirmed update once more, as Telegram does when it missed the
        answer; the answer to it is recorded (duplicate=True) and not retried."""
        with self._signal:
            if self._webhook is None or update_id not in self._webhook_confirmed:
                raise AssertionError(f"update {update_id} was not confirmed by a webhook")
            self._webhook.duplicates.append(copy.deepcopy(self._webhook_confirmed[update_id]))
            self._signal.notify()

    def _webhook_idle(self) -> bool | None:
        hook = self._webhook
        busy = hook is not None and bool(hook.in_flight or hook.duplicates)
        return True if not busy and not self._deliverable() else None

    def wait_for_webhook_idle(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Block until every pending update is confirmed and no POST is in flight."""
        self._wait(self._webhook_idle, timeout, _Failure("Webhook deliveries did not end"))

    async def await_webhook_idle(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait (without blocking the loop) until every pending update is confirmed and no
        POST is in flight."""
        await self._await(self._webhook_idle, timeout, _Failure("Webhook deliveries did not end"))

    async def await_webhook_attempts(
        self, count: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[WebhookAttempt]:
        """Wait until at least count POSTs have ended; returns every attempt so far."""
        attempts = self._webhook_attempts
        failure = _Failure(f"Fewer than {count} webhook attempts")
        return await self._await(
            lambda: list(attempts) if len(attempts) >= count else None, timeout, failure
        )
