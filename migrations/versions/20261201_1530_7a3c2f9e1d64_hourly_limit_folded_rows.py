"""hourly limit: folded rows and the window index

A notification folded into a held digest names the digest's row (`folded_into`); an index
on (channel, recipient, status, sent_at) lets the relay count one address's messages of the
last hour, and those in flight, without reading its whole history.

Revision ID: 7a3c2f9e1d64
Revises: a7d3e91c0f25
Create Date: 2026-12-01 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3c2f9e1d64"
down_revision: str | None = "a7d3e91c0f25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FOLDED = sa.text("folded_into IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("folded_into", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_folded_into_notifications"),
            "notifications",
            ["folded_into"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_notifications_channel_recipient_status_sent_at",
            ["channel", "recipient", "status", "sent_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notifications_folded_into",
            ["folded_into"],
            unique=False,
            postgresql_where=FOLDED,
            sqlite_where=FOLDED,
        )


def downgrade() -> None:
    # Without the column a folded row reads as sent if its digest was, else as pending again
    # (the digest itself goes with its kind, in revision 5c1d7e0a9b42's downgrade).
    op.execute(
        "UPDATE notifications SET status = CASE WHEN EXISTS (SELECT 1 FROM notifications AS d"
        " WHERE d.id = notifications.folded_into AND d.status = 'sent')"
        " THEN 'sent' ELSE 'pending' END WHERE status = 'folded'"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_notifications_folded_into", postgresql_where=FOLDED, sqlite_where=FOLDED
        )
        batch_op.drop_index("ix_notifications_channel_recipient_status_sent_at")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_folded_into_notifications"), type_="foreignkey"
        )
        batch_op.drop_column("folded_into")
