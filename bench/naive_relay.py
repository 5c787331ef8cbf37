"""B4's email baseline: a naive relay that sends each queued email over a connection of its own.

`python -m bench.naive_relay`, configured like `stockbot run` (DATABASE_URL, SMTP_*), sends
every pending email row, composed exactly as Stockbot composes it, and marks it sent, one at a
time: connect, STARTTLS and log in as configured, send, quit."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.db.models import Notification
from core.db.session import Database
from core.delivery.claims import claim_of
from core.delivery.config import DeliveryConfig
from core.delivery.email import EmailSender
from core.settings import Settings, load_settings


def main() -> None:
    """Send every pending email, one connection per message."""
    settings = load_settings()
    sender = EmailSender(settings, DeliveryConfig())
    database = Database.from_settings(settings)
    try:
        with database.unit_of_work() as uow:
            rows = uow.session.scalars(
                select(Notification)
                .where(Notification.channel == "email", Notification.status == "pending")
                .order_by(Notification.id)
            ).all()
            claims = [claim_of(row, datetime.now(UTC) + timedelta(hours=1)) for row in rows]
        for claim in claims:
            message = sender.compose(claim)
            with _connect(settings) as connection:
                connection.send_message(message, to_addrs=[claim.recipient])
            with database.unit_of_work() as uow:
                uow.session.execute(
                    update(Notification)
                    .where(Notification.id == claim.id)
                    .values(status="sent", attempts=1, sent_at=datetime.now(UTC))
                )
                uow.commit()
    finally:
        database.dispose()


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host is not None
    connection = smtplib.SMTP(settings.smtp_host, settings.effective_smtp_port)
    if settings.smtp_security == "starttls":
        connection.starttls(context=ssl.create_default_context())
    if settings.smtp_username and settings.smtp_password:
        connection.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    return connection


if __name__ == "__main__":
    main()
