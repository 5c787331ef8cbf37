"""The email channel: multipart HTML + text messages over SMTP, one connection per batch, up to
SMTP_CONNECTIONS batches at once."""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections.abc import Generator, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import ClassVar

from jinja2 import Environment

from core.delivery.channel import ChannelSetup, ChannelTraits, KeepGoing, Settled, crashed
from core.delivery.config import DeliveryConfig
from core.delivery.content import read_notice
from core.delivery.mime import POLICY
from core.delivery.templating import render_email, template_environment
from core.delivery.types import Claim, Outcome
from core.settings import Settings
from core.vocabulary import Channel

log = logging.getLogger(__name__)


class EmailSender:
    """Sends emails with the SMTP_* settings: starttls, ssl or none; optional login."""

    traits: ClassVar[ChannelTraits] = ChannelTraits(
        Channel.EMAIL,
        hastens_after_outage=True,
        hourly_cap=True,
        settles_by_batch=True,
        off_hint="set SMTP_HOST (and SMTP_USERNAME, SMTP_PASSWORD, SMTP_FROM) to turn it on",
    )

    def __init__(
        self,
        settings: Settings,
        config: DeliveryConfig,
        *,
        environment: Environment | None = None,
    ) -> None:
        if settings.smtp_host is None:
            raise ValueError("email is off: SMTP_HOST is not set")
        self._host = settings.smtp_host
        self._port = settings.effective_smtp_port
        self._security = settings.smtp_security
        self._username = settings.smtp_username
        self._password = settings.smtp_password
        self._sender = settings.smtp_sender
        self._timeout = config.smtp_timeout
        self._ssl_context = config.smtp_ssl_context
        self._environment = environment or template_environment()
        # Batches sent at once, each over its own connection.
        self.batches_at_once = settings.smtp_connections

    @classmethod
    def open(cls, setup: ChannelSetup) -> EmailSender:
        """The sender the relay uses while SMTP_HOST is set."""
        return cls(setup.settings, setup.config)

    @property
    def server(self) -> str:
        """host:port and security mode, for logs."""
        return f"{self._host}:{self._port} ({self._security})"

    def compose(self, claim: Claim) -> EmailMessage:
        """The message for one notification; its Message-ID is the same on every attempt."""
        content = render_email(self._environment, read_notice(claim.kind, claim.payload))
        message = EmailMessage(policy=POLICY)
        message["Subject"] = content.subject
        message["From"] = self._sender
        message["To"] = claim.recipient
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = self._message_id(claim)
        message.set_content(content.text)
        message.add_alternative(content.html, subtype="html")
        return message

    def _message_id(self, claim: Claim) -> str:
        # Deterministic, so a message sent twice after a crash is recognisably the same one.
        digest = hashlib.sha256(claim.idempotency_key.encode()).hexdigest()[:20]
        domain = self._sender.domain or "stockbot.local"
        return f"<stockbot.{claim.id}.{digest}@{domain}>"

    def send_batch(
        self, claims: Sequence[Claim], keep_going: KeepGoing
    ) -> Generator[Settled, None, None]:
        """Send each claim over one connection, yielding each as soon as the server answered.

        A claim that `keep_going` refuses (shutting down, lease running out) is deferred
        untried. A broken connection is reopened for the rest of the batch; when the server
        cannot be reached, the rest of the batch gets that failure without more tries."""
        connection: smtplib.SMTP | None = None
        unreachable: Outcome | None = None
        try:
            for claim in claims:
                if not keep_going(claim):
                    yield claim, Outcome.defer(None)
                    continue
                if connection is None and unreachable is None:
                    connection, unreachable = self._connect()
                if connection is None:
                    yield claim, unreachable or Outcome.retry("no SMTP connection")
                    continue
                outcome, broken = self._send_one(connection, claim)
                yield claim, outcome
                if broken:
                    _close(connection)
                    connection = None
        finally:
            if connection is not None:
                _close(connection)

    def _connect(self) -> tuple[smtplib.SMTP | None, Outcome | None]:
        """An open, logged-in connection, or the outcome that every claim it was for gets."""
        try:
            return self._open(), None
        except smtplib.SMTPAuthenticationError as exc:
            log.error("SMTP login to %s refused: check SMTP_USERNAME, SMTP_PASSWORD", self.server)
            reason = f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}"
            return None, Outcome.retry(reason)
        except Exception as exc:
            # Unreachable, or a failure smtplib does not name: each claim counts an attempt.
            log.warning("cannot reach the SMTP server %s: %s", self.server, _describe(exc))
            return None, Outcome.retry(f"cannot reach the SMTP server: {_describe(exc)}")

    def _open(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        connection: smtplib.SMTP
        if self._security == "ssl":
            connection = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            connection.ehlo()
            if self._security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if self._username and self._password:
                connection.login(self._username, self._password.get_secret_value())
        except BaseException:
            _close(connection)
            raise
        return connection

    def _send_one(self, connection: smtplib.SMTP, claim: Claim) -> tuple[Outcome, bool]:
        """(outcome, whether the connection is broken)."""
        try:
            message = self.compose(claim)
        except ValueError as exc:
            return Outcome.dead(f"cannot build the email: {exc}"), False
        except Exception as exc:
            return crashed(claim, exc, "cannot build the email"), False
        try:
            connection.send_message(
                message, from_addr=self._sender.addr_spec, to_addrs=[claim.recipient]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            return _by_code(code, f"recipient refused: {code} {_text(text)}"), False
        except smtplib.SMTPServerDisconnected as exc:
            return Outcome.retry(f"SMTP server disconnected: {_describe(exc)}"), True
        except smtplib.SMTPSenderRefused as exc:
            # Our own From address: a configuration problem that must not kill the messages.
            log.error("the SMTP server refused the sender address: %s", _text(exc.smtp_error))
            return Outcome.retry(f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}"), False
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP error: {exc.smtp_code} {_text(exc.smtp_error)}"
            return _by_code(exc.smtp_code, reason), False
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome.retry(f"SMTP failure: {_describe(exc)}"), True
        except Exception as exc:
            # The connection is in an unknown state: the rest of the batch gets a new one.
            return crashed(claim, exc), True
        return Outcome.sent(), False


def _by_code(code: int, reason: str) -> Outcome:
    # 5xx is the server's final word on this message; 4xx (and anything odd) may pass later.
    return Outcome.dead(reason) if 500 <= code < 600 else Outcome.retry(reason)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (OSError, smtplib.SMTPException):
        connection.close()
