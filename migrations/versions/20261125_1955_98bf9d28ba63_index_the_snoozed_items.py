"""index the snoozed items

The daily check lifts the snooze of restocked items; a partial index finds the few snoozed
items without reading every item.

Revision ID: 98bf9d28ba63
Revises: e2e3855769a4
Create Date: 2026-11-25 19:55:47.553325
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "98bf9d28ba63"
down_revision: str | None = "e2e3855769a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_id_snoozed",
            ["id"],
            unique=False,
            postgresql_where=sa.text("alert_snoozed_until IS NOT NULL"),
            sqlite_where=sa.text("alert_snoozed_until IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_items_id_snoozed",
            postgresql_where=sa.text("alert_snoozed_until IS NOT NULL"),
            sqlite_where=sa.text("alert_snoozed_until IS NOT NULL"),
        )
