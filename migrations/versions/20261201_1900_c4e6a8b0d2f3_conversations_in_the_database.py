"""conversations and update steps in the database

The question a user is answering (a new item's name and quantity, a restock amount, what was
ordered) and the long searches of /stock's page buttons were kept in one process's memory;
several processes share the conversation now, so the next message may reach any of them.
An update taken by webhook counts the times it was taken, and the core calls made handling it
keep what they answered, so one handled again after its process died changes nothing twice.

Revision ID: c4e6a8b0d2f3
Revises: f7b2d4e6a8c1
Create Date: 2026-12-01 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e6a8b0d2f3"
down_revision: str | None = "f7b2d4e6a8c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "telegram_updates",
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_table(
        "update_steps",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outcome", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["telegram_updates.update_id"],
            name=op.f("fk_update_steps_update_id_telegram_updates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("update_id", "step", name=op.f("pk_update_steps")),
    )
    op.create_table(
        "open_questions",
        sa.Column("telegram_user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_open_questions")),
    )
    op.create_index(
        op.f("ix_open_questions_asked_at"), "open_questions", ["asked_at"], unique=False
    )
    op.create_table(
        "list_searches",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=4096), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_searches")),
    )
    op.create_index(
        op.f("ix_list_searches_created_at"), "list_searches", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("update_steps")
    with op.batch_alter_table("telegram_updates") as batch:
        batch.drop_column("attempts")
    op.drop_index(op.f("ix_list_searches_created_at"), table_name="list_searches")
    op.drop_table("list_searches")
    op.drop_index(op.f("ix_open_questions_asked_at"), table_name="open_questions")
    op.drop_table("open_questions")
