"""Settings: the documented defaults, the accepted forms, and clear errors naming the setting."""

from __future__ import annotations

import os
import shutil
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from core.db.session import CoreConfig
from core.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No Stockbot variable in the environment, and a working directory without `.env`."""
    names = {name.upper() for name in Settings.model_fields}
    for variable in list(os.environ):
        if variable.upper() in names:
            monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings_with(monkeypatch: pytest.MonkeyPatch, **variables: str) -> Settings:
    """Settings loaded with these environment variables set."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def refusal(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    """The message of the error these environment variables cause."""
    with pytest.raises(SettingsError) as refused:
        settings_with(monkeypatch, **variables)
    return str(refused.value)


def test_the_defaults_are_those_of_the_spec() -> None:
    settings = load_settings()

    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite:///stockbot.db"
    assert settings.default_alert_threshold == 5
    assert settings.alert_check_time == time(9, 0)
    assert settings.alert_timezone == ZoneInfo("UTC")
    assert settings.alert_repeat_interval == timedelta(hours=24)
    assert (settings.smtp_host, settings.smtp_security, settings.effective_smtp_port) == (
        None,
        "starttls",
        587,
    )
    assert settings.twilio_api_base_url is None
    assert settings.twilio_whatsapp_content_sid is None
    assert (settings.telegram_rate_limit, settings.log_level) == (30, "INFO")
    assert settings.notify_max_per_hour == 10
    assert settings.enabled_channels == {"telegram"}


def test_the_example_env_file_gives_the_defaults(clean_environment: Path) -> None:
    shutil.copy(REPO / ".env.example", clean_environment / ".env")

    assert load_settings() == Settings(_env_file=None)


def test_values_are_read_from_a_dotenv_file_and_the_environment_wins(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text(
        "ALERT_REPEAT_INTERVAL=30m\nDEFAULT_ALERT_THRESHOLD=8\nSMTP_HOST=smtp.example.com\n"
        "SMTP_SECURITY=ssl\n",
        encoding="utf-8",
    )

    settings = settings_with(monkeypatch, DEFAULT_ALERT_THRESHOLD="9")

    assert settings.alert_repeat_interval == timedelta(minutes=30)
    assert settings.default_alert_threshold == 9
    assert (settings.smtp_host, settings.effective_smtp_port) == ("smtp.example.com", 465)


def test_a_bad_value_in_the_dotenv_file_is_named(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text("ALERT_TIMEZONE=Mars/Olympus\n", encoding="utf-8")

    with pytest.raises(SettingsError) as refused:
        load_settings()

    assert "ALERT_TIMEZONE" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        (" 12H ", timedelta(hours=12)),
    ],
)
def test_repeat_intervals_take_seconds_minutes_hours_or_days(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: timedelta
) -> None:
    assert settings_with(monkeypatch, ALERT_REPEAT_INTERVAL=text).alert_repeat_interval == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", time(9)), ("7:30", time(7, 30)), ("23:59:59", time(23, 59, 59))],
)
def test_check_times_take_hours_minutes_and_optional_seconds(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: time
) -> None:
    assert settings_with(monkeypatch, ALERT_CHECK_TIME=text).alert_check_time == expected


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_time_zones_are_iana_names(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    assert settings_with(monkeypatch, ALERT_TIMEZONE=zone).alert_timezone == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("setting", "value", "hint"),
    [
        ("ALERT_REPEAT_INTERVAL", "0s", "like 90s, 30m, 24h or 2d"),
        ("ALERT_REPEAT_INTERVAL", "24", "like 90s, 30m, 24h or 2d"),
        ("ALERT_REPEAT_INTERVAL", "1w", "like 90s, 30m, 24h or 2d"),
        ("ALERT_REPEAT_INTERVAL", "1.5h", "like 90s, 30m, 24h or 2d"),
        ("ALERT_CHECK_TIME", "25:00", "HH:MM or HH:MM:SS"),
        ("ALERT_CHECK_TIME", "09:60", "HH:MM or HH:MM:SS"),
        ("ALERT_CHECK_TIME", "9am", "HH:MM or HH:MM:SS"),
        ("ALERT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("ALERT_TIMEZONE", "../../etc/passwd", "IANA time zone"),
        ("SMTP_SECURITY", "tls", "'starttls', 'ssl' or 'none'"),
        ("DEFAULT_ALERT_THRESHOLD", "-1", "greater than or equal to 0"),
        ("DEFAULT_ALERT_THRESHOLD", "five", "valid integer"),
        ("DEFAULT_ALERT_THRESHOLD", "1000000001", "less than or equal to 1000000000"),
        ("SMTP_PORT", "70000", "less than or equal to 65535"),
        ("TELEGRAM_RATE_LIMIT", "0", "greater than or equal to 1"),
        ("NOTIFY_MAX_PER_HOUR", "0", "greater than or equal to 1"),
        ("NOTIFY_MAX_PER_HOUR", "-3", "greater than or equal to 1"),
        ("NOTIFY_MAX_PER_HOUR", "ten", "valid integer"),
        ("LOG_LEVEL", "chatty", "'INFO'"),
        ("DATABASE_URL", "stockbot.db", "like postgresql+psycopg2://"),
        ("DATABASE_URL", "mysql://shop:pw-never-shown@db/stock", "runs on PostgreSQL or SQLite"),
        ("DATABASE_URL", "postgresql+asyncpg://db/stock", "asyncpg driver cannot be used"),
        ("DATABASE_URL", "sqlite+nodriver:///x.db", "nodriver driver cannot be used"),
        ("SMTP_FROM", "alerts@", "like alerts@shop.com or Shop Alerts <alerts@shop.com>"),
        ("SMTP_FROM", "@shop.com", "like alerts@shop.com or Shop Alerts <alerts@shop.com>"),
        ("SMTP_FROM", "apikey", "like alerts@shop.com or Shop Alerts <alerts@shop.com>"),
        ("SMTP_FROM", "Shop Alerts alerts@shop.com", "like alerts@shop.com or Shop Alerts"),
        ("SMTP_FROM", "Shop Alerts <alerts@shop.com", "like alerts@shop.com or Shop Alerts"),
        ("SMTP_FROM", "a@shop.com, b@shop.com", "use one email address"),
    ],
)
def test_an_invalid_value_is_refused_with_a_message_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, setting: str, value: str, hint: str
) -> None:
    message = refusal(monkeypatch, **{setting: value})

    assert f"{setting}: " in message
    assert hint in message
    assert "pw-never-shown" not in message


def test_every_invalid_setting_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, ALERT_TIMEZONE="Nowhere", ALERT_REPEAT_INTERVAL="soon")

    assert "ALERT_TIMEZONE" in message
    assert "ALERT_REPEAT_INTERVAL" in message


@pytest.mark.parametrize(
    "url", ["postgresql://shop:pw@db:5432/stock", "postgres://shop:pw@db:5432/stock"]
)
def test_a_plain_postgresql_url_uses_the_bundled_driver(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    settings = settings_with(monkeypatch, DATABASE_URL=url)

    assert settings.database_url == "postgresql+psycopg2://shop:pw@db:5432/stock"


def test_case_does_not_matter_for_security_mode_and_log_level(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(monkeypatch, SMTP_SECURITY=" SSL ", LOG_LEVEL="debug")

    assert (settings.smtp_security, settings.log_level) == ("ssl", "DEBUG")


def test_secrets_never_show_in_the_settings_text(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {
        "TELEGRAM_BOT_TOKEN": "123456:telegram-token-value",
        "SMTP_PASSWORD": "smtp-password-value",
        "TWILIO_AUTH_TOKEN": "twilio-token-value",
    }

    database_url = "postgresql+psycopg2://shop:database-password-value@db/stock"

    settings = settings_with(monkeypatch, **secrets, DATABASE_URL=database_url)

    for name, value in secrets.items():
        secret = getattr(settings, name.lower())
        assert isinstance(secret, SecretStr)
        assert secret.get_secret_value() == value
    assert settings.database_url == database_url
    for value in [*secrets.values(), "database-password-value"]:
        assert value not in repr(settings)
        assert value not in str(settings)


def test_email_is_on_only_with_an_smtp_host(monkeypatch: pytest.MonkeyPatch) -> None:
    without = settings_with(monkeypatch, SMTP_HOST="", SMTP_USERNAME="me", SMTP_PASSWORD="pw")
    with_host = settings_with(monkeypatch, SMTP_HOST="smtp.gmail.com")

    assert (without.email_enabled, "email" in without.enabled_channels) == (False, False)
    assert (with_host.email_enabled, "email" in with_host.enabled_channels) == (True, True)


TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_WHATSAPP_FROM": "+14155238886",
}


@pytest.mark.parametrize("missing", sorted(TWILIO))
def test_whatsapp_is_off_unless_all_three_twilio_settings_are_set(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    partial = {name: value for name, value in TWILIO.items() if name != missing}

    assert not settings_with(monkeypatch, **partial).whatsapp_enabled
    complete = settings_with(monkeypatch, **{missing: TWILIO[missing]})
    assert complete.enabled_channels == {"telegram", "whatsapp"}


def test_the_core_takes_threshold_interval_and_channels_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(
        monkeypatch, DEFAULT_ALERT_THRESHOLD="3", ALERT_REPEAT_INTERVAL="2d", SMTP_HOST="mail"
    )

    assert CoreConfig.from_settings(settings) == CoreConfig(
        default_threshold=3,
        repeat_interval=timedelta(days=2),
        channels=frozenset({"telegram", "email"}),
    )


@pytest.mark.parametrize(
    ("value", "sender"),
    [
        ("alerts@shop.com", "Stockbot <alerts@shop.com>"),
        ("Shop Alerts <alerts@shop.com>", "Shop Alerts <alerts@shop.com>"),
        ('  "Shop, Inc." <alerts@shop.com> ', '"Shop, Inc." <alerts@shop.com>'),
    ],
)
def test_smtp_from_takes_an_address_or_a_display_name_with_an_address(
    monkeypatch: pytest.MonkeyPatch, value: str, sender: str
) -> None:
    settings = settings_with(monkeypatch, SMTP_HOST="mail", SMTP_FROM=value)

    assert str(settings.smtp_sender) == sender
    assert settings.smtp_sender.addr_spec == "alerts@shop.com"


@pytest.mark.parametrize(
    ("username", "sender"),
    [
        ("shop.alerts@gmail.com", "Stockbot <shop.alerts@gmail.com>"),
        ("apikey", "Stockbot <stockbot@localhost>"),
        ("", "Stockbot <stockbot@localhost>"),
    ],
)
def test_without_smtp_from_the_username_is_the_sender_only_when_it_is_an_address(
    monkeypatch: pytest.MonkeyPatch, username: str, sender: str
) -> None:
    settings = settings_with(monkeypatch, SMTP_HOST="mail", SMTP_USERNAME=username)

    assert str(settings.smtp_sender) == sender


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://stock.example.com/", "https://stock.example.com"),
        ("  http://10.0.0.5:8080/stockbot  ", "http://10.0.0.5:8080/stockbot"),
        ("", None),
    ],
)
def test_public_base_url_is_kept_without_its_trailing_slash(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str | None
) -> None:
    assert settings_with(monkeypatch, PUBLIC_BASE_URL=value).public_base_url == expected


@pytest.mark.parametrize(
    "value", ["stock.example.com", "ftp://x.example", "https://a b", "https://x?y"]
)
def test_a_public_base_url_that_is_no_http_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    message = refusal(monkeypatch, PUBLIC_BASE_URL=value)

    assert "PUBLIC_BASE_URL: use the public address" in message


def test_webhook_mode_needs_its_secret_and_the_http_port() -> None:
    url = "https://bot.example.com"
    secret = "s3cr3t-token-of-32-characters-xx"
    complete = load_settings(
        _env_file=None,
        telegram_webhook_url=url + "/",
        telegram_webhook_secret=secret,
        http_port="8080",
    )
    assert complete.telegram_webhook_url == url
    for missing, named in (
        ({"telegram_webhook_secret": secret}, "HTTP_PORT must be set"),
        ({"http_port": "8080"}, "TELEGRAM_WEBHOOK_SECRET must be set"),
        ({"http_port": "8080", "telegram_webhook_secret": "short"}, "16 to 256 letters"),
    ):
        with pytest.raises(SettingsError, match=named):
            load_settings(_env_file=None, telegram_webhook_url=url, **missing)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_URL: use the public HTTPS"):
        load_settings(_env_file=None, telegram_webhook_url="http://bot.example.com")
