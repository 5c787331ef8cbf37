"""Every setting of the product, validated once at start."""

from __future__ import annotations

import re
from datetime import time, timedelta
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from core.vocabulary import Channel

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


def _blank_to_none(value: object) -> object:
    # An empty line in .env (`SMTP_HOST=`) means "not set", not "set to nothing".
    return None if isinstance(value, str) and not value.strip() else value


DatabaseUrl = Annotated[str, BeforeValidator(parse_database_url)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ClockTime = Annotated[time, BeforeValidator(parse_clock_time)]
TimeZone = Annotated[ZoneInfo, BeforeValidator(parse_timezone)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_blank_to_none)]
Sender = Annotated[str | None, BeforeValidator(parse_sender)]
OptionalPort = Annotated[int | None, BeforeValidator(_blank_to_none)]
PublicUrl = Annotated[str | None, BeforeValidator(parse_public_url)]


class Settings(BaseSettings):
    """Stockbot's configuration, from the environment and a `.env` file."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: OptionalSecret = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Kept out of repr: the URL may hold the database password.
    database_url: DatabaseUrl = Field(default="sqlite:///stockbot.db", repr=False)
    default_alert_threshold: int = Field(default=5, ge=0, le=1_000_000_000)
    alert_check_time: ClockTime = time(9, 0)
    alert_timezone: TimeZone = ZoneInfo("UTC")
    alert_repeat_interval: Duration = timedelta(hours=24)
    smtp_host: OptionalText = None
    smtp_port: OptionalPort = Field(default=None, ge=1, le=65535)
    smtp_username: OptionalText = None
    smtp_password: OptionalSecret = None
    smtp_from: Sender = None
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    twilio_account_sid: OptionalText = None
    twilio_auth_token: OptionalSecret = None
    twilio_whatsapp_from: OptionalText = None
    twilio_api_base_url: OptionalText = None
    twilio_whatsapp_content_sid: OptionalText = None
    telegram_rate_limit: int = Field(default=30, ge=1, le=1000)
    # Commands one user may send in a minute; beyond, they are told once to slow down (SPEC 3).
    commands_per_minute: int = Field(default=30, ge=1, le=100_000)
    # Emails, and as many WhatsApp messages, to one address in an hour; beyond, they wait and
    # go out as one digest (SPEC 2.12).
    notify_max_per_hour: int = Field(default=10, ge=1, le=100_000)
    # Shown to admins in the webhook addresses /connect gives (SPEC 4).
    public_base_url: PublicUrl = None
    log_level: Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"] = "INFO"
    # The HTTP server (the API, point-of-sale webhooks, health): off unless a port is set.
    http_host: str = "127.0.0.1"
    http_port: OptionalPort = Field(default=None, ge=1, le=65535)

    @field_validator("log_level", "smtp_security", mode="before")
    @classmethod
    def _case_insensitive(cls, value: object, info: object) -> object:
        if not isinstance(value, str):
            return value
        name = getattr(info, "field_name", "")
        return value.strip().upper() if name == "log_level" else value.strip().lower()

    @property
    def email_enabled(self) -> bool:
        """Email goes out only when an SMTP host is configured."""
        return self.smtp_host is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """WhatsApp goes out only when all three Twilio settings are present."""
        return None not in (
            self.twilio_account_sid,
            self.twilio_auth_token,
            self.twilio_whatsapp_from,
        )

    @property
    def smtp_sender(self) -> Address:
        """The From of alert emails: SMTP_FROM, else SMTP_USERNAME when that is an address,
        else stockbot@localhost; shown as "Stockbot" unless SMTP_FROM names the sender."""
        if self.smtp_from is not None:
            ((name, address),) = getaddresses([self.smtp_from])
            return Address(name or "Stockbot", addr_spec=address)
        fallback = plain_address(self.smtp_username or "")
        return DEFAULT_SENDER if fallback is None else Address("Stockbot", addr_spec=fallback)

    @property
    def effective_smtp_port(self) -> int:
        """The configured port, or the usual one for the security mode."""
        if self.smtp_port is not None:
            return self.smtp_port
        return {"ssl": 465, "starttls": 587, "none": 25}[self.smtp_security]

    @property
    def enabled_channels(self) -> frozenset[str]:
        """The delivery channels that are switched on: Telegram always, the others when set up."""
        switched_on = {
            Channel.TELEGRAM: True,
            Channel.EMAIL: self.email_enabled,
            Channel.WHATSAPP: self.whatsapp_enabled,
        }
        return frozenset(channel for channel, on in switched_on.items() if on)

    @property
    def delivery_channels(self) -> frozenset[str]:
        """The channels the relay serves: the members' that are on, the shops' rooms, which
        are Telegram too and on with it, and webhooks (rows exist only for endpoints)."""
        return self.enabled_channels | {Channel.ROOM.value, Channel.WEBHOOK.value}


class SettingsError(Exception):
    """Settings could not be loaded; the message names each bad setting."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning validation errors into one readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            setting = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{setting}: {message}")
        raise SettingsError("Invalid settings:\n  " + "\n  ".join(problems)) from None
