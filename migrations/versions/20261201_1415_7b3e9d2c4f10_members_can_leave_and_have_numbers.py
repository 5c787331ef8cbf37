"""members can leave, and have numbers in their shop

A member who leaves or is dismissed keeps their row (the ledger and the alert history name
them), so a Telegram user is unique only among the members who have not left. Each member
gets a number in their shop, in the order they joined, and their Telegram @username.

Revision ID: 7b3e9d2c4f10
Revises: 5c1d7e0a9b42
Create Date: 2026-12-01 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b3e9d2c4f10"
down_revision: str | None = "5c1d7e0a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("left_at IS NULL")
NUMBERED = """
UPDATE members SET number = (
    SELECT COUNT(*) FROM members AS earlier
    WHERE earlier.shop_id = members.shop_id
      AND (earlier.joined_at < members.joined_at
           OR (earlier.joined_at = members.joined_at AND earlier.id <= members.id))
)
"""


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("username", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(NUMBERED)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f("uq_members_telegram_user_id"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_members_shop_id_number"), ["shop_id", "number"])
        batch_op.create_index(
            "uq_members_telegram_user_id_active",
            ["telegram_user_id"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )


def downgrade() -> None:
    # Former members cannot stay: only one row per Telegram user fits the old schema.
    op.execute("DELETE FROM members WHERE left_at IS NOT NULL")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_members_telegram_user_id_active", postgresql_where=ACTIVE, sqlite_where=ACTIVE
        )
        batch_op.drop_constraint(op.f("uq_members_shop_id_number"), type_="unique")
        batch_op.create_unique_constraint(op.f("uq_members_telegram_user_id"), ["telegram_user_id"])
        batch_op.drop_column("left_at")
        batch_op.drop_column("username")
        batch_op.drop_column("number")
