"""Logging for every `stockbot` command: one format, quiet HTTP clients, secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import unquote, urlsplit

from core.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[REDACTED]"
# httpx and httpcore log every request URL at INFO/DEBUG, and Bot API URLs contain the token.
QUIET_LOGGERS = ("httpx", "httpcore", "hpack")


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold (bot token, passwords, auth token, webhook secret),
    longest first."""
    values: set[str] = set()
    held = (settings.telegram_bot_token, settings.smtp_password, settings.twilio_auth_token)
    for secret in (*held, settings.telegram_webhook_secret):
        if secret is None:
            continue
        value = secret.get_secret_value()
        if value:
            values.add(value)
        # A bot token is `<bot id>:<secret>`; the part after the colon is the secret one.
        _, colon, tail = value.partition(":")
        if colon and len(tail) >= 8:
            values.add(tail)
    values.update(_database_passwords(settings.database_url))
    return sorted(values, key=len, reverse=True)


def _database_passwords(url: str) -> set[str]:
    """The password in DATABASE_URL, as written and URL-decoded."""
    try:
        password = urlsplit(url).password
    except ValueError:  # a malformed URL: opening the database reports it
        return set()
    return {password, unquote(password)} if password else set()


# API keys (`sb_live_…`) and webhook signing secrets (`whsec_…`), as core/shops makes them.
MINTED_SECRETS = re.compile(r"\b(sb_live_|whsec_)[A-Za-z0-9_+/=-]{16,}")


class RedactingFilter(logging.Filter):
    """Replaces every secret value in a record's message, arguments and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        """The text with every secret replaced, and every API key or webhook signing
        secret (by their shape: they are made at run time, so no setting names them)."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return MINTED_SECRETS.sub(lambda found: found[1] + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: still log what there is, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _is_telegram_network_error(error: BaseException) -> bool:
    # By name: this module serves every `stockbot` command, most of which never load Telegram.
    return any(
        cls.__module__ == "telegram.error" and cls.__name__ == "NetworkError"
        for cls in type(error).__mro__
    )


class NetworkFailureOnOneLine(logging.Filter):
    """A Bot API that cannot be reached is said in one line, not a traceback: it is the
    network, not a bug, and `stockbot run` says what to check."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Fold the exception into the message; never drops the record."""
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _is_telegram_network_error(error):
            record.msg, record.args = f"{record.getMessage()}: {error}", None
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Set the level, log to stderr, quieten HTTP clients, and redact secrets on every handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_stockbot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._stockbot = True  # type: ignore[attr-defined]
    handler.addFilter(NetworkFailureOnOneLine())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)
    redactor = RedactingFilter(secret_values(settings))
    for each in root.handlers:
        for old in [f for f in each.filters if isinstance(f, RedactingFilter)]:
            each.removeFilter(old)
        each.addFilter(redactor)
    return handler


def safe_summary(settings: Settings, error: BaseException) -> str:
    """The first line of an error, with every secret of the settings redacted: fit for stderr."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    return RedactingFilter(secret_values(settings)).redact(first)
