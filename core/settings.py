"""Every setting of the product, validated once at start."""

from __future__ import annotations

from datetime import time, timedelta
from email.headerregistry import Address
from email.utils import getaddresses
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.setting_values import (
    DEFAULT_SENDER,
    check_webhook_secret,
    parse_clock_time,
    parse_database_url,
    parse_duration,
    parse_public_url,
    parse_sender,
    parse_timezone,
    parse_webhook_url,
    plain_address,
)
from core.vocabulary import Channel


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
WebhookUrl = Annotated[str | None, BeforeValidator(parse_webhook_url)]


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
    # SMTP connections open at once, each sending a batch (docs/delivery.md).
    smtp_connections: int = Field(default=4, ge=1, le=32)
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
    # Webhook mode: Telegram posts updates to this public URL (with the secret token, which
    # requests must carry) instead of the bot polling for them.
    telegram_webhook_url: WebhookUrl = None
    telegram_webhook_secret: OptionalSecret = None

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.telegram_webhook_url is None:
            return self
        secret = self.telegram_webhook_secret
        if secret is None:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL")
        try:
            check_webhook_secret(secret.get_secret_value())
        except ValueError as error:
            raise ValueError(f"TELEGRAM_WEBHOOK_SECRET: {error}") from None
        if self.http_port is None:
            raise ValueError("HTTP_PORT must be set with TELEGRAM_WEBHOOK_URL: updates come to it")
        return self

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
