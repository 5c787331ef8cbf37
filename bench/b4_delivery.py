"""B4: delivery by `stockbot run` of queued emails to the local SMTP server, against that
server's own ceiling (a bare smtplib loop sending the same messages over one connection); and
of queued Telegram alerts, against Telegram's limit of 30 messages a second."""

from __future__ import annotations

import math
import ssl
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from bench import dataset
from bench.pg import scratch_database
from bench.processes import run_to_end, running
from bench.queued import queue_alert_messages
from bench.report import Outcome, Row, number, progress, ratio
from bench.runner import Context
from tests.fakes.smtp import SmtpSink
from tests.fakes.telegram_api import FakeBotApi, SentMessage

ID = "B4"
START_TIMEOUT = 60.0
MIN_EMAIL_RATIO = 0.8
TELEGRAM_LIMIT = 30
MIN_TELEGRAM_RATE = 25
SENDER = "stockbot@example.com"
SMTP_USER = "stockbot"
SMTP_PASSWORD = "bench-app-password"


def sizes(ctx: Context) -> tuple[int, int]:
    """(emails, Telegram alerts)."""
    return (500, 90) if ctx.quick else (5_000, 300)


def run(ctx: Context) -> Outcome:
    """Emails first, then Telegram alerts, each from a database of its own."""
    emails, alerts = sizes(ctx)
    return Outcome(rows=[_email_row(emails), _telegram_row(alerts)])


def rate(moments: Sequence[float]) -> float:
    """Messages a second between the first and the last."""
    ordered = sorted(moments)
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


def busiest_second(moments: Sequence[float]) -> int:
    """The most messages in any one-second window."""
    ordered = sorted(moments)
    busiest = start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def _queue(url: str, *, channel: str, count: int) -> None:
    # Shops of 3 members and one open alert per item, enough alerts for `count` messages.
    items_per_shop = math.ceil(count / 300)
    dataset.load(url, dataset.Shape(shops=100, items_per_shop=items_per_shop, quantity_sql="2"))
    dataset.open_alerts(url, every=1, due_every=10**9)
    queued = queue_alert_messages(url, channel=channel, count=count)
    if queued != count:
        raise RuntimeError(f"queued {queued} {channel} messages, wanted {count}")


def _bot_settings(api: FakeBotApi, url: str, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _email_row(count: int) -> Row:
    # STARTTLS and a login, as with Gmail: what a new connection costs in production.
    sink = SmtpSink(username=SMTP_USER, password=SMTP_PASSWORD, security="starttls")
    with sink, FakeBotApi() as api, scratch_database("b4email") as url, _trust(sink) as ca:
        _queue(url, channel="email", count=count)
        smtp = {
            "DATABASE_URL": url,
            "SMTP_HOST": sink.host,
            "SMTP_PORT": str(sink.port),
            "SMTP_SECURITY": "starttls",
            "SMTP_USERNAME": SMTP_USER,
            "SMTP_PASSWORD": SMTP_PASSWORD,
            "SMTP_FROM": SENDER,
            "SSL_CERT_FILE": ca,
            # Each address gets about 17 of the emails: a limit above that, so every one is
            # sent at once and the figure is the relay's speed, hourly count included.
            "NOTIFY_MAX_PER_HOUR": str(count),
        }
        # The ceiling leaves the rows pending: Stockbot sends the same ones after it.
        run_to_end(["-m", "bench.smtp_ceiling"], smtp, label="smtplib ceiling")
        ceiling = rate([message.at for message in sink.wait_for_messages(count, timeout=600)])
        progress(f"smtplib ceiling: {ceiling:,.0f} emails/s over one connection")
        before = sink.connections
        with running(["-m", "bot", "run"], _bot_settings(api, url, **smtp), label="stockbot"):
            received = sink.wait_for_messages(2 * count, timeout=600)[count:]
        relay = rate([message.at for message in received])
        connections = sink.connections - before
        progress(f"stockbot relay: {relay:,.0f} emails/s over {connections} connections")
    achieved = relay / ceiling
    return Row(
        benchmark=f"B4 delivery of {count:,} queued emails to the local SMTP server "
        "(STARTTLS, login)",
        figure=f"{number(relay)} emails/s",
        baseline=f"the server's ceiling, bare smtplib over one connection: {number(ceiling)}/s",
        ratio=ratio(achieved),
        target=f"≥ {MIN_EMAIL_RATIO}",
        met=achieved >= MIN_EMAIL_RATIO,
    )


@contextmanager
def _trust(sink: SmtpSink) -> Iterator[str]:
    """A CA file with the sink's self-signed certificate, for the children's SSL_CERT_FILE."""
    certificates = sink.ssl_context_for_clients().get_ca_certs(binary_form=True)
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as ca:
        ca.write("".join(ssl.DER_cert_to_PEM_cert(der) for der in certificates))
        ca.flush()
        yield ca.name


def _telegram_row(count: int) -> Row:
    with FakeBotApi() as api, scratch_database("b4telegram") as url:
        _queue(url, channel="telegram", count=count)
        with running(["-m", "bot", "run"], _bot_settings(api, url), label="stockbot"):
            api.wait_until_polled(timeout=START_TIMEOUT)
            sent = _wait_for_sent(api, count, timeout=count / MIN_TELEGRAM_RATE * 3 + 30)
    chats = {message.chat_id for message in sent}
    if len(chats) != count:
        raise RuntimeError(f"{count} alerts reached {len(chats)} chats")
    moments = [message.at for message in sent]
    sending, busiest = rate(moments), busiest_second(moments)
    progress(f"Telegram: {sending:.1f} messages/s, at most {busiest} in one second")
    return Row(
        benchmark=f"B4 delivery of {count:,} queued Telegram alerts to {count:,} chats",
        figure=f"{number(sending)}/s, at most {busiest} in any one second",
        baseline=f"Telegram's limit: {TELEGRAM_LIMIT}/s",
        ratio=ratio(sending / TELEGRAM_LIMIT),
        target=f"{MIN_TELEGRAM_RATE} to {TELEGRAM_LIMIT}/s, never over {TELEGRAM_LIMIT} a second",
        met=MIN_TELEGRAM_RATE <= sending <= TELEGRAM_LIMIT and busiest <= TELEGRAM_LIMIT,
    )


def _wait_for_sent(api: FakeBotApi, count: int, *, timeout: float) -> list[SentMessage]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [message for message in api.all_messages() if message.method == "sendMessage"]
        if len(sent) >= count:
            return sent[:count]
        time.sleep(0.1)
    raise RuntimeError(f"fewer than {count} Telegram messages sent within {timeout:.0f}s")
