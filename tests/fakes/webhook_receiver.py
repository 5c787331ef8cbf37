"""A webhook receiver on 127.0.0.1: verifies each delivery's signature with the Standard
Webhooks reference library and records it; answers 500, 410 or slowly on demand."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes.http_server import HttpRequest, HttpResponse, LoopbackHttpServer
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal


@dataclass(frozen=True)
class Delivery:
    """One request the receiver accepted: its path, headers, body and parsed event."""

    path: str
    headers: dict[str, str]
    body: bytes
    event: dict[str, Any]

    @property
    def id(self) -> str:
        """The webhook-id header: the same on every attempt of one message."""
        return self.headers["webhook-id"]


class WebhookReceiver:
    """Accepts signed POSTs on the paths it was given a secret for."""

    def __init__(self) -> None:
        self._server = LoopbackHttpServer(self._serve)
        self._signal = ChangeSignal()
        self._secrets: dict[str, str] = {}
        self._accepted: list[Delivery] = []
        self._refused: list[str] = []
        self._requests_seen = 0
        self._statuses: dict[str | None, int] = {}
        self._delay = 0.0

    def __enter__(self) -> WebhookReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._signal.close()
        self._server.stop()

    def url(self, path: str) -> str:
        """The URL of one endpoint of this receiver."""
        return self._server.url + path

    def expect(self, path: str, secret: str) -> None:
        """Verify what arrives at `path` with this secret."""
        with self._signal:
            self._secrets[path] = secret

    def answer_with(self, status: int | None, *, path: str | None = None) -> None:
        """Answer requests (to `path`, or to every path) with this status without recording
        them; None: accept them again."""
        with self._signal:
            if status is None:
                self._statuses.pop(path, None)
            else:
                self._statuses[path] = status

    def delay_answers(self, seconds: float) -> None:
        """Hold each answer this long (a client with a shorter timeout gives up)."""
        with self._signal:
            self._delay = seconds

    def _serve(self, request: HttpRequest) -> HttpResponse:
        with self._signal:
            self._requests_seen += 1
            self._signal.notify()
            status = self._statuses.get(request.path, self._statuses.get(None))
            delay = self._delay
        if delay:
            self._server.stopping.wait(delay)  # a stop cuts the wait short
        if status is not None:
            return HttpResponse(status, b"")
        return self._verify(request)

    def _verify(self, request: HttpRequest) -> HttpResponse:
        headers = {name.lower(): value for name, value in request.headers.items()}
        with self._signal:
            secret = self._secrets.get(request.path)
            try:
                if secret is None:
                    raise WebhookVerificationError(f"no secret for {request.path}")
                Webhook(secret).verify(request.body, headers)
            except WebhookVerificationError as exc:
                self._refused.append(f"{request.path}: {exc}")
                self._signal.notify()
                return HttpResponse(400, b"")
            event = json.loads(request.body)
            self._accepted.append(Delivery(request.path, headers, request.body, event))
            self._signal.notify()
        return HttpResponse(204, b"")

    @property
    def accepted(self) -> list[Delivery]:
        """The deliveries whose signature verified, in arrival order."""
        with self._signal:
            return list(self._accepted)

    @property
    def refused(self) -> list[str]:
        """Why requests whose signature did not verify were refused."""
        with self._signal:
            return list(self._refused)

    @property
    def requests_seen(self) -> int:
        """Every request received, failures included."""
        with self._signal:
            return self._requests_seen

    async def await_requests(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until at least `count` requests arrived, answered or not."""
        await self._await(lambda: self._requests_seen >= count or None, timeout, count)

    async def await_accepted(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[Delivery]:
        """Wait for `count` verified deliveries; returns them in arrival order."""
        await self._await(lambda: len(self._accepted) >= count or None, timeout, count)
        return self.accepted

    async def _await(self, probe: Callable[[], bool | None], timeout: float, count: int) -> None:
        if await self._signal.await_for(probe, timeout) is None:
            raise AssertionError(
                f"expected {count}: {self._requests_seen} requests, {len(self._accepted)}"
                f" accepted, refused: {self._refused}, errors: {self._server.app_errors}"
            )
