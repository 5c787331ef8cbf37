"""A local Twilio Messages REST API for tests, speaking the real HTTP protocol on loopback."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

# The loopback server and the waiting primitive are shared by all fakes.
from tests.fakes.http_server import HttpRequest, HttpResponse, LoopbackHttpServer
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

JsonDict = dict[str, Any]

API_VERSION = "2010-04-01"
MAX_BODY = 1600
_WHATSAPP_E164_RE = re.compile(r"whatsapp:\+[1-9][0-9]{6,14}")
# What a misconfigured proxy answers in Twilio's place (see garble_answers_for).
GARBLED_PAGE = (
    b"<!DOCTYPE html><html><body><h1>Welcome</h1><p>Sign in to continue.</p></body></html>"
)
_MESSAGES_PATH_RE = re.compile(rf"/{API_VERSION}/Accounts/([^/]+)/Messages\.json")


class TwilioError(Exception):
    """A Twilio REST error answer: {"code", "message", "more_info", "status"}."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> HttpResponse:
        """The JSON body Twilio sends for this error."""
        return HttpResponse.json(
            self.status,
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            },
        )


@dataclass
class _StatusFailure:
    status: int
    remaining: int | None


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _number(address: str) -> str:
    """'whatsapp:+15550001111' and '+15550001111' name the same number."""
    return address.removeprefix("whatsapp:")


class FakeTwilioApi:
    """Twilio's Messages API on 127.0.0.1: accepts, validates and records WhatsApp sends."""

    def __init__(self) -> None:
        self.account_sid = _sid("AC")
        self.auth_token = secrets.token_hex(16)
        self._server = LoopbackHttpServer(self._serve)
        self._signal = ChangeSignal()
        self._messages: list[JsonDict] = []
        self._requests_seen = 0
        self._rejected: set[str] = set()
        self._garbled: set[str] = set()
        self._failure: _StatusFailure | None = None
        self._delay = 0.0

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeTwilioApi:
        """Start serving on 127.0.0.1 with an OS-chosen port."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Cut delayed answers short, stop serving and join all threads."""
        self._signal.close()
        self._server.stop()

    def __enter__(self) -> FakeTwilioApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Replaces https://api.twilio.com in the URLs the SDK builds."""
        return self._server.url

    # -- HTTP entry ----------------------------------------------------------------------------

    def _serve(self, request: HttpRequest) -> HttpResponse:
        with self._signal:
            self._requests_seen += 1
            self._signal.notify()
            delay = self._delay
        if delay:
            # Waits on the stop event rather than sleeping, so stop() never hangs on it.
            self._server.stopping.wait(delay)
        try:
            with self._signal:
                return self._handle(request)
        except TwilioError as error:
            return error.response()

    def _handle(self, request: HttpRequest) -> HttpResponse:
        match = _MESSAGES_PATH_RE.fullmatch(request.path)
        if match is None or request.method != "POST":
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        self._authenticate(request, match.group(1))
        self._injected_failure()
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        if _number(form.get("To", "")) in self._garbled:
            return HttpResponse(200, GARBLED_PAGE, "text/html; charset=utf-8")
        message = self._validate(form)
        self._messages.append(message)
        self._signal.notify()
        return HttpResponse.json(201, self._resource(message))

    def _authenticate(self, request: HttpRequest, path_sid: str) -> None:
        expected = f"{self.account_sid}:{self.auth_token}".encode()
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            given = base64.b64decode(encoded, validate=True)
        except ValueError:
            given = b""
        if scheme.lower() != "basic" or given != expected or path_sid != self.account_sid:
            raise TwilioError(401, 20003, "Authenticate")

    def _injected_failure(self) -> None:
        failure = self._failure
        if failure is None:
            return
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failure = None
        phrase = HTTPStatus(failure.status).phrase
        raise TwilioError(failure.status, 20000 + failure.status, phrase)

    def _validate(self, form: dict[str, str]) -> JsonDict:
        to, sender = form.get("To", ""), form.get("From", "")
        if not _WHATSAPP_E164_RE.fullmatch(to) or _number(to) in self._rejected:
            raise TwilioError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not _WHATSAPP_E164_RE.fullmatch(sender):
            raise TwilioError(
                400,
                21212,
                f"The 'From' number {sender} is not a valid phone number, shortcode, "
                "or alphanumeric sender ID.",
            )
        body, content_sid = form.get("Body"), form.get("ContentSid")
        if not body and not content_sid:
            raise TwilioError(400, 21602, "Message body is required.")
        if body and len(body) > MAX_BODY:
            raise TwilioError(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        return {
            **form,
            "ContentVariables": self._content_variables(form),
            "sid": _sid("SM"),
            "at": time.monotonic(),
        }

    @staticmethod
    def _content_variables(form: dict[str, str]) -> JsonDict | None:
        raw = form.get("ContentVariables")
        if raw is None:
            return None
        try:
            variables = json.loads(raw)
        except ValueError:
            variables = None
        if not isinstance(variables, dict):
            raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid.")
        return variables

    def _resource(self, message: JsonDict) -> JsonDict:
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message['sid']}"
        body = message.get("Body") or ""
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message["From"],
            "messaging_service_sid": message.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 160))),
            "price": None,
            "price_unit": "USD",
            "sid": message["sid"],
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message["To"],
            "uri": f"{uri}.json",
        }

    # -- fault injection -----------------------------------------------------------------------

    def reject_number(self, number: str) -> None:
        """Sends to this number (with or without 'whatsapp:') answer 400, code 21211."""
        with self._signal:
            self._rejected.add(_number(number))

    def garble_answers_for(self, number: str) -> None:
        """Sends to this number answer 200 with an HTML page instead of the message resource,
        as a proxy or captive portal in front of Twilio may; nothing is recorded as sent."""
        with self._signal:
            self._garbled.add(_number(number))

    def fail_with_status(self, status: int = 500, *, times: int | None = 1) -> None:
        """The next `times` requests (None: all until heal()) answer this HTTP status."""
        with self._signal:
            self._failure = _StatusFailure(status, times)

    def delay_responses(self, seconds: float) -> None:
        """Hold every answer this long (a client timeout shorter than it sees a timeout)."""
        with self._signal:
            self._delay = seconds

    def heal(self) -> None:
        """End injected status failures and delays (rejected numbers stay rejected)."""
        with self._signal:
            self._failure = None
            self._delay = 0.0

    # -- inspection and waiting ----------------------------------------------------------------

    @property
    def messages(self) -> list[JsonDict]:
        """Accepted messages: the form fields (To, From, Body, ContentSid...) plus sid and at."""
        with self._signal:
            return list(self._messages)

    @property
    def requests_seen(self) -> int:
        """Every request received, failures included."""
        with self._signal:
            return self._requests_seen

    def _explain(self, count: int, timeout: float) -> AssertionError:
        with self._signal:
            seen = [(m["To"], m.get("Body") or m.get("ContentSid")) for m in self._messages]
            lines = [
                f"Expected {count} Twilio messages within {timeout}s, got {len(seen)}: {seen}",
                f"Requests seen (failures included): {self._requests_seen}",
            ]
        lines += [f"Fake server bug:\n{e}" for e in self._server.app_errors]
        return AssertionError("\n".join(lines))

    def _probe(self, count: int) -> Callable[[], list[JsonDict] | None]:
        return lambda: list(self._messages[:count]) if len(self._messages) >= count else None

    def wait_for_messages(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[JsonDict]:
        """Block until count messages were accepted; returns the first count."""
        found = self._signal.wait_for(self._probe(count), timeout)
        if found is None:
            raise self._explain(count, timeout)
        return found

    async def await_messages(self, count: int, timeout: float = DEFAULT_TIMEOUT) -> list[JsonDict]:
        """wait_for_messages without blocking the event loop."""
        found = await self._signal.await_for(self._probe(count), timeout)
        if found is None:
            raise self._explain(count, timeout)
        return found
