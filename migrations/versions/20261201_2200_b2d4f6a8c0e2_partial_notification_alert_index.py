"""index only the notifications of an alert

Reminder digests (tens of thousands per daily check) belong to no alert; a partial index on
alert_id leaves them out, and every query by alert_id, the foreign key's included, still
uses it.

Revision ID: b2d4f6a8c0e2
Revises: b1c3e5a7d9f0
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d4f6a8c0e2"
down_revision: str | None = "b1c3e5a7d9f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("alert_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_alert_id")
        batch_op.create_index(
            "ix_notifications_alert_id",
            ["alert_id"],
            unique=False,
            postgresql_where=_WHERE,
            sqlite_where=_WHERE,
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_notifications_alert_id", postgresql_where=_WHERE, sqlite_where=_WHERE
        )
        batch_op.create_index("ix_notifications_alert_id", ["alert_id"], unique=False)
