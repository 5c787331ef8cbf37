"""shared telegram budget

Telegram's flood limits hold for every process on one PostgreSQL database together: the next
free send slot of each scope (all messages, one private chat's pushes) and a log of the last
minute's sends to each group. SQLite has the tables too, unused: one process keeps its
limits in memory.

Revision ID: a8d3f5c7e9b1
Revises: c4e6a8b0d2f3
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a8d3f5c7e9b1"
down_revision: str | None = "c4e6a8b0d2f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_budget",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("next_free", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_telegram_budget")),
    )
    op.create_table(
        "telegram_group_sends",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_group_sends")),
    )
    op.create_index(
        "ix_telegram_group_sends_chat_id_sent_at",
        "telegram_group_sends",
        ["chat_id", "sent_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_telegram_group_sends_chat_id_sent_at", table_name="telegram_group_sends")
    op.drop_table("telegram_group_sends")
    op.drop_table("telegram_budget")
