"""telegram updates inbox

In webhook mode each update Telegram posts is stored before it is answered: by its id, so
that one posted twice (Telegram retries when it saw no answer) is kept once, with its chat
and payload, so that any process can handle it (one chat's in order, under a lease), and a
process killed meanwhile loses nothing.

Revision ID: f7b2d4e6a8c1
Revises: e5a9c3f1b7d2
Create Date: 2026-12-01 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f7b2d4e6a8c1"
down_revision: str | None = "e5a9c3f1b7d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("handled_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_telegram_updates")),
    )
    op.create_index(
        op.f("ix_telegram_updates_received_at"), "telegram_updates", ["received_at"], unique=False
    )
    op.create_index(
        "ix_telegram_updates_chat_id_waiting",
        "telegram_updates",
        ["chat_id", "update_id"],
        unique=False,
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_telegram_updates_chat_id_waiting",
        table_name="telegram_updates",
        postgresql_where=WAITING,
        sqlite_where=WAITING,
    )
    op.drop_index(op.f("ix_telegram_updates_received_at"), table_name="telegram_updates")
    op.drop_table("telegram_updates")
