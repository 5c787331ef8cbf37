"""B4's email baseline: the SMTP server's own ceiling, a bare smtplib loop over one connection.

`python -m bench.smtp_ceiling`, configured like `stockbot run` (DATABASE_URL, SMTP_*),
first composes every pending email row exactly as Stockbot composes it, then, and only this
is the baseline, sends the messages over one connection: connect, STARTTLS and log in as
configured, send_message each, quit. It leaves the rows pending, for Stockbot's run."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.db.models import Notification
from core.db.session import Database
from core.delivery.claims import claim_of
from core.delivery.config import DeliveryConfig
from core.delivery.email import EmailSender
from core.settings import load_settings


def main() -> None:
    """Compose every pending email, then send them all over one connection."""
    settings = load_settings()
    database = Database.from_settings(settings)
    try:
        with database.unit_of_work() as uow:
            rows = uow.session.scalars(
                select(Notification)
                .where(Notification.channel == "email", Notification.status == "pending")
                .order_by(Notification.id)
            ).all()
            claims = [claim_of(row, datetime.now(UTC) + timedelta(hours=1)) for row in rows]
    finally:
        database.dispose()
    sender = EmailSender(settings, DeliveryConfig())
    messages = [(sender.compose(claim), claim.recipient) for claim in claims]
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.effective_smtp_port) as connection:
        if settings.smtp_security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            connection.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        for message, recipient in messages:
            connection.send_message(message, to_addrs=[recipient])


if __name__ == "__main__":
    main()
