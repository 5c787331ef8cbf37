"""How each setting's text is read and checked: durations, clock times, zones, the database
URL, the email sender, public URLs and the Telegram webhook's settings. Each parser raises
ValueError with how to write the setting; the message never echoes a secret back."""

from __future__ import annotations

import re
from datetime import time, timedelta
from email.headerregistry import Address
from email.utils import getaddresses
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    """Turn `90s`, `30m`, `24h` or `2d` into a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match or int(match.group(1)) == 0:
        raise ValueError("use a positive number with s, m, h or d, like 90s, 30m, 24h or 2d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


def parse_clock_time(value: object) -> time:
    """Turn `HH:MM` or `HH:MM:SS` into a time of day."""
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", str(value).strip())
    try:
        if not match:
            raise ValueError
        hour, minute, second = (int(part or 0) for part in match.groups())
        return time(hour, minute, second)
    except ValueError:
        raise ValueError("use HH:MM or HH:MM:SS, like 09:00") from None


def parse_timezone(value: object) -> ZoneInfo:
    """Turn an IANA zone name such as `Europe/Berlin` into a ZoneInfo."""
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(str(value).strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("use an IANA time zone name, like UTC or Europe/Berlin") from exc


_DATABASE_URL_FORMS = "postgresql+psycopg2://USER:PASSWORD@HOST:5432/DBNAME or sqlite:///FILE"


def parse_database_url(value: object) -> str:
    """A URL for PostgreSQL or SQLite whose driver is installed; never echoes the URL back."""
    text = str(value).strip()
    try:
        url = make_url(text)
    except ArgumentError:
        raise ValueError(f"use a database URL like {_DATABASE_URL_FORMS}") from None
    # PostgreSQL and hosting providers print `postgres://` and `postgresql://`; SQLAlchemy would
    # pick a driver that is not installed for those, so they get psycopg2, which is.
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg2")
        text = url.render_as_string(hide_password=False)
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ValueError(f"Stockbot runs on PostgreSQL or SQLite: use {_DATABASE_URL_FORMS}")
    try:
        dialect = url.get_dialect()
        dialect.import_dbapi()
    except (ImportError, NoSuchModuleError):
        dialect = None
    if dialect is None or dialect.is_async:
        raise ValueError(
            f"the {url.get_driver_name()} driver cannot be used: use {_DATABASE_URL_FORMS}"
        )
    return text


# The sender when neither SMTP_FROM nor an SMTP_USERNAME that is an address gives one.
DEFAULT_SENDER = Address("Stockbot", addr_spec="stockbot@localhost")
_SENDER_FORMS = "alerts@shop.com or Shop Alerts <alerts@shop.com>"


def plain_address(text: str) -> str | None:
    """The text as an email address if it is one (`alerts@shop.com`), else None."""
    try:
        validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return text


def parse_sender(value: object) -> str | None:
    """`alerts@shop.com` or `Shop Alerts <alerts@shop.com>`, written back the way the From
    header will carry it; None when blank."""
    text = str(value).strip() if value is not None else ""
    if not text:
        return None
    pairs = getaddresses([text])
    name, address = pairs[0] if len(pairs) == 1 else ("", "")
    well_formed = "\r" not in text and "\n" not in text and (not name or text.endswith(">"))
    if not well_formed or plain_address(address) is None:
        raise ValueError(f"use one email address, like {_SENDER_FORMS}")
    return str(Address(name, addr_spec=address)) if name else address


def parse_public_url(value: object) -> str | None:
    """The service's public http(s) address, without a trailing slash; blank is unset."""
    text = str(value or "").strip().rstrip("/")
    if not text:
        return None
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", text):
        raise ValueError("use the public address, like https://stock.example.com")
    return text


_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/[^\s?#]*)?")


def parse_webhook_url(value: object) -> str | None:
    """The public HTTPS URL Telegram sends updates to (http only on this machine, for
    tests), without a trailing slash; blank is unset (long polling)."""
    text = str(value or "").strip().rstrip("/")
    if not text:
        return None
    if not (re.fullmatch(r"https://[^\s/?#]+(/[^\s?#]*)?", text) or _LOOPBACK.fullmatch(text)):
        raise ValueError(
            "use the public HTTPS address Telegram reaches, like https://bot.example.com"
        )
    return text


def check_webhook_secret(secret: str) -> str:
    """Telegram's secret_token: 16 to 256 of A-Z, a-z, 0-9, _ and -."""
    if not _WEBHOOK_SECRET.fullmatch(secret):
        raise ValueError("use 16 to 256 letters, digits, _ or - (e.g. from `openssl rand -hex 32`)")
    return secret
