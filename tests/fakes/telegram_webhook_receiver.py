"""A bot's webhook endpoint on 127.0.0.1, for checking what FakeBotApi pushes in webhook mode:
records each POST with its timing, fails the first ones or answers slowly on demand."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.http_server import HttpRequest, HttpResponse, LoopbackHttpServer
from tests.fakes.waiting import ChangeSignal


@dataclass(frozen=True)
class Received:
    """One POST the receiver answered, timed on the monotonic clock."""

    headers: dict[str, str]
    body: bytes
    status: int
    arrived: float
    answered: float

    @property
    def update(self) -> dict[str, Any]:
        """The JSON body."""
        return dict(json.loads(self.body))

    @property
    def update_id(self) -> int:
        """The update's update_id."""
        return int(self.update["update_id"])


class BotWebhookReceiver:
    """A bot's webhook endpoint: records each POST, answers 500 to the first `failures`
    and 200 to the rest, each after `delay` seconds (a slow bot)."""

    def __init__(self, *, failures: int = 0, delay: float = 0.0) -> None:
        self.failures = failures
        self.delay = delay
        self.signal = ChangeSignal()
        self.arrivals = 0
        self._received: list[Received] = []
        self._server = LoopbackHttpServer(self._serve)

    def _serve(self, request: HttpRequest) -> HttpResponse:
        arrived = time.monotonic()
        with self.signal:
            failing = self.failures > 0
            self.failures -= 1
            self.arrivals += 1
            self.signal.notify()
        if self.delay:
            # the slow bot being simulated; stop() lets an answer in progress finish
            self._server.stopping.wait(self.delay)
        status = 500 if failing else 200
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.signal:
            answered = time.monotonic()
            self._received.append(Received(headers, request.body, status, arrived, answered))
            self.signal.notify()
        return HttpResponse.json(status, {})

    def wait_for_arrivals(self, count: int, timeout: float = 5.0) -> None:
        """Block until count POSTs have arrived, answered or not."""
        arrived = self.signal.wait_for(lambda: True if self.arrivals >= count else None, timeout)
        assert arrived, f"{self.arrivals} POSTs arrived, not {count}"

    @property
    def url(self) -> str:
        """Where the fake should POST."""
        return f"{self._server.url}/telegram/webhook"

    @property
    def received(self) -> list[Received]:
        """Every POST answered so far, in the order they were answered."""
        with self.signal:
            return list(self._received)

    def __enter__(self) -> BotWebhookReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.signal.close()
        self._server.stop()
