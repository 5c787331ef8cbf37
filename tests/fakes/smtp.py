"""A real SMTP server on loopback (aiosmtpd) that records what it receives, for tests."""

from __future__ import annotations

import asyncio
import functools
import itertools
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

# The waiting primitive is shared by all fakes.
from tests.fakes.waiting import DEFAULT_TIMEOUT, ChangeSignal

Security = Literal["none", "starttls", "ssl"]
OK = "250 OK"


@dataclass(frozen=True)
class ReceivedEmail:
    """One message as delivered: envelope, parsed message, and the connection it came over."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    connection: int
    login: str | None
    tls: bool
    at: float
    raw: bytes = field(repr=False)

    @property
    def subject(self) -> str:
        """The decoded Subject header."""
        return str(self.message["Subject"] or "")

    def body(self, subtype: Literal["plain", "html"] = "plain") -> str:
        """The text/plain or text/html part, decoded."""
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None:
            raise AssertionError(f"no text/{subtype} part in {self.message.get_content_type()}")
        return str(part.get_content())


@functools.cache
def _certificate_pem() -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and localhost, made once per test run."""
    with tempfile.TemporaryDirectory() as tmp:
        key, cert = Path(tmp, "key.pem"), Path(tmp, "cert.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out", str(cert),
             "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cert.read_text(), key.read_text()


def _server_ssl_context() -> ssl.SSLContext:
    cert_pem, key_pem = _certificate_pem()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain only reads files, so the PEMs live on disk just for this call.
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert.write_text(cert_pem)
        key.write_text(key_pem)
        context.load_cert_chain(cert, key)
    return context


def _uses_tls(server: SMTP) -> bool:
    # Both implicit TLS and STARTTLS leave an SSL transport, which knows its SSL context.
    transport = server.transport
    return transport is not None and transport.get_extra_info("sslcontext") is not None


class _CountingSMTP(SMTP):
    """aiosmtpd's SMTP protocol, telling the sink when connections open and close."""

    def __init__(self, handler: Any, *, sink: SmtpSink, number: int, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.sink = sink
        self.number = number
        self.lost = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # STARTTLS calls this again on the same connection: the sink keeps a set.
        super().connection_made(transport)
        self.sink._connected(self)

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self.sink._disconnected(self)
        self.lost.set()


class _SinkController(Controller):
    """A Controller that builds counting protocols and can bind an OS-chosen port."""

    def __init__(self, sink: SmtpSink, port: int, **kwargs: Any) -> None:
        super().__init__(_Recorder(sink), hostname="127.0.0.1", port=port, **kwargs)
        self.sink = sink

    def factory(self) -> SMTP:
        # Numbered when accepted, not when the session starts: start() returns only after
        # the factory has run for aiosmtpd's start-up probe, but the probe's session may
        # start later (its wait for the greeting gives up after a second), and it must
        # not count as a client.
        number = self.sink._accepted()
        return _CountingSMTP(self.handler, sink=self.sink, number=number, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        # aiosmtpd connects to self.port to finish starting; with port 0 it must learn the real one.
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Recorder:
    """The aiosmtpd handler: applies the sink's rules and records accepted messages."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.sink.requires_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        refusal = self.sink._recipient_refusal(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(server, _CountingSMTP)
        return self.sink._deliver(server, session, envelope)


@dataclass
class _Rejection:
    code: int
    message: str
    remaining: int


class SmtpSink:
    """An SMTP server on 127.0.0.1 that records messages; optional AUTH, STARTTLS or TLS."""

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        security: Security = "none",
    ) -> None:
        self.username = username
        self.password = password
        self.security = security
        self.host = "127.0.0.1"
        self.port = 0
        self._signal = ChangeSignal()
        self._controller: _SinkController | None = None
        self._counting = False
        self._connection_numbers = itertools.count(1)
        self._connections = 0
        self._live: set[_CountingSMTP] = set()
        self._received: list[ReceivedEmail] = []
        self._refused: list[tuple[str, str]] = []
        self._next_rejections: list[_Rejection] = []
        self._rejected_recipients: dict[str, str] = {}
        self._server_context = _server_ssl_context() if security != "none" else None

    @property
    def requires_auth(self) -> bool:
        """True when built with username and password."""
        return self.username is not None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> SmtpSink:
        """Listen on 127.0.0.1 (an OS-chosen port the first time, the same one afterwards)."""
        controller = _SinkController(self, self.port, **self._controller_options())
        with self._signal:
            self._counting = False  # aiosmtpd's own start-up probe is not a client
        controller.start()
        with self._signal:
            self._counting = True
        self.port = controller.port
        self._controller = controller
        return self

    def _controller_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 10.0}
        if self.security == "ssl":
            options["ssl_context"] = self._server_context
        elif self.security == "starttls":
            options["tls_context"] = self._server_context
            options["require_starttls"] = True
        if self.requires_auth:
            # MAIL is refused without AUTH by the handler instead of auth_required, because
            # aiosmtpd warns about auth_required without TLS and tests turn warnings into errors.
            options["authenticator"] = self._authenticate
            options["auth_require_tls"] = False
        return options

    def stop(self) -> None:
        """Stop for good: close open sessions, stop listening, and let waiters give up."""
        self._stop_listening()
        self._signal.close()

    def go_down(self) -> None:
        """Refuse connections (the port is closed) until come_up()."""
        self._stop_listening()

    def come_up(self) -> None:
        """Accept connections again, on the same port."""
        self.start()

    def _stop_listening(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            self._abort_sessions(controller)
            controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _abort_sessions(self, controller: _SinkController) -> None:
        """Drop open client sessions first, so no transport outlives the server's loop."""
        with self._signal:
            live = list(self._live)
        if not live:
            return

        async def abort_all() -> None:
            for protocol in live:
                if isinstance(protocol.transport, asyncio.Transport):
                    protocol.transport.abort()
            await asyncio.wait_for(asyncio.gather(*(p.lost.wait() for p in live)), 5)

        asyncio.run_coroutine_threadsafe(abort_all(), controller.loop).result(timeout=10)

    def ssl_context_for_clients(self) -> ssl.SSLContext:
        """A client SSLContext that trusts this sink's self-signed certificate."""
        return ssl.create_default_context(cadata=_certificate_pem()[0])

    # -- fault injection -----------------------------------------------------------------------

    def reject_next(
        self, code: int = 451, message: str = "Try again later", times: int = 1
    ) -> None:
        """Answer the next `times` messages (at end of DATA) with this error."""
        with self._signal:
            self._next_rejections.append(_Rejection(code, message, times))

    def reject_recipient(
        self, address: str, code: int = 550, message: str = "5.1.1 Mailbox unavailable"
    ) -> None:
        """Refuse this recipient at RCPT TO."""
        with self._signal:
            self._rejected_recipients[address.lower()] = f"{code} {message}"

    # -- called from the server's thread -------------------------------------------------------

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = (data.login.decode(), data.password.decode()) == (self.username, self.password)
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    def _accepted(self) -> int:
        with self._signal:
            if not self._counting:
                return 0
            self._connections += 1
            self._signal.notify()
            return next(self._connection_numbers)

    def _connected(self, protocol: _CountingSMTP) -> None:
        with self._signal:
            self._live.add(protocol)

    def _disconnected(self, protocol: _CountingSMTP) -> None:
        with self._signal:
            self._live.discard(protocol)

    def _recipient_refusal(self, address: str) -> str | None:
        with self._signal:
            refusal = self._rejected_recipients.get(address.lower())
            if refusal:
                self._refused.append((address, refusal))
                self._signal.notify()
            return refusal

    def _deliver(self, server: _CountingSMTP, session: Session, envelope: Envelope) -> str:
        with self._signal:
            if self._next_rejections:
                rejection = self._next_rejections[0]
                rejection.remaining -= 1
                if rejection.remaining <= 0:
                    self._next_rejections.pop(0)
                self._refused.append((",".join(envelope.rcpt_tos), rejection.message))
                self._signal.notify()
                return f"{rejection.code} {rejection.message}"
            self._received.append(self._parse(server, session, envelope))
            self._signal.notify()
            return f"250 OK: queued as {len(self._received)}"

    @staticmethod
    def _parse(server: _CountingSMTP, session: Session, envelope: Envelope) -> ReceivedEmail:
        raw = envelope.original_content or b""
        login = session.auth_data.login.decode() if session.auth_data else None
        return ReceivedEmail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            message=message_from_bytes(raw, policy=policy.default),
            connection=server.number,
            login=login,
            tls=_uses_tls(server),
            at=time.monotonic(),
            raw=raw,
        )

    # -- inspection and waiting ----------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedEmail]:
        """Messages accepted, in order."""
        with self._signal:
            return list(self._received)

    @property
    def connections(self) -> int:
        """Client connections accepted so far (one per SMTP session)."""
        with self._signal:
            return self._connections

    @property
    def refused(self) -> list[tuple[str, str]]:
        """(recipients, reply) for every message or recipient refused on purpose."""
        with self._signal:
            return list(self._refused)

    def _probe(self, count: int) -> Callable[[], list[ReceivedEmail] | None]:
        return lambda: list(self._received[:count]) if len(self._received) >= count else None

    def _explain(self, count: int, timeout: float) -> AssertionError:
        with self._signal:
            got = [(m.rcpt_tos, m.subject) for m in self._received]
            return AssertionError(
                f"Expected {count} emails within {timeout}s, got {len(got)}: {got}\n"
                f"Refused: {self._refused}; connections: {self._connections}; "
                f"listening: {self._controller is not None}"
            )

    def wait_for_messages(
        self, count: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[ReceivedEmail]:
        """Block until count messages arrived; returns the first count."""
        found = self._signal.wait_for(self._probe(count), timeout)
        if found is None:
            raise self._explain(count, timeout)
        return found

    async def await_messages(
        self, count: int, timeout: float = DEFAULT_TIMEOUT
    ) -> list[ReceivedEmail]:
        """wait_for_messages without blocking the event loop."""
        found = await self._signal.await_for(self._probe(count), timeout)
        if found is None:
            raise self._explain(count, timeout)
        return found
