"""alert handling and shop zones

Everything alert handling needs: who is on an alert, what was ordered and when it is due,
snoozes, escalation, muted items and their quantity on order, members' quiet hours, and
each shop's zone, escalation delay and the local date of its last daily check.

Revision ID: c41f0e7d2a95
Revises: 7b3e9d2c4f10
Create Date: 2026-12-01 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41f0e7d2a95"
down_revision: str | None = "7b3e9d2c4f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_QUANTITY = 1_000_000_000
OLD_RESOLUTIONS = "resolution IS NULL OR resolution IN ('restocked', 'manual', 'deleted')"
NEW_RESOLUTIONS = "resolution IS NULL OR resolution IN ('restocked', 'manual', 'deleted', 'muted')"
QUIET_HOURS = (
    "(quiet_from IS NULL) = (quiet_until IS NULL)"
    " AND (quiet_from IS NULL OR (quiet_from BETWEEN 0 AND 1439"
    " AND quiet_until BETWEEN 0 AND 1439))"
)
AWARE = sa.DateTime(timezone=True)
MEMBER_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BY_MEMBER = ("acknowledged_by", "ordered_by")


def upgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("last_checked_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("escalate_after_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_from", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quiet_until", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_members_quiet_hours_valid"), QUIET_HOURS)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("muted", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("on_order", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("order_due", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_items_on_order_range"), f"on_order BETWEEN 0 AND {MAX_QUANTITY}"
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        for column in BY_MEMBER:
            batch_op.add_column(sa.Column(column, MEMBER_ID, nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_alerts_{column}_members"),
                "members",
                [column],
                ["id"],
                ondelete="SET NULL",
            )
        batch_op.add_column(sa.Column("acknowledged_at", AWARE, nullable=True))
        batch_op.add_column(sa.Column("ordered_at", AWARE, nullable=True))
        batch_op.add_column(sa.Column("ordered_quantity", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("order_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("order_overdue_at", AWARE, nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", AWARE, nullable=True))
        batch_op.add_column(sa.Column("escalated_at", AWARE, nullable=True))
        batch_op.drop_constraint(op.f("ck_alerts_resolution_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alerts_resolution_known"), NEW_RESOLUTIONS)


def downgrade() -> None:
    # A muted resolution has no place in the old schema: it reads as resolved by hand.
    op.execute("UPDATE alerts SET resolution = 'manual' WHERE resolution = 'muted'")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_alerts_resolution_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alerts_resolution_known"), OLD_RESOLUTIONS)
        for column in ("escalated_at", "snoozed_until", "order_overdue_at", "order_due"):
            batch_op.drop_column(column)
        for column in ("ordered_quantity",):
            batch_op.drop_column(column)
        batch_op.drop_column("ordered_at")
        batch_op.drop_column("acknowledged_at")
        for column in BY_MEMBER:
            batch_op.drop_constraint(op.f(f"fk_alerts_{column}_members"), type_="foreignkey")
            batch_op.drop_column(column)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_items_on_order_range"), type_="check")
        batch_op.drop_column("order_due")
        batch_op.drop_column("on_order")
        batch_op.drop_column("muted")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_members_quiet_hours_valid"), type_="check")
        batch_op.drop_column("quiet_until")
        batch_op.drop_column("quiet_from")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("escalate_after_seconds")
        batch_op.drop_column("last_checked_on")
        batch_op.drop_column("timezone")
