"""open alert of an item, read afresh

A stock change on PostgreSQL is one statement (core/stock/shifts.py). Its parts share the
statement's snapshot, taken before it waited for the item's row lock; this function, being
VOLATILE, reads with a snapshot of its own, taken when it runs, after the lock: it sees an
alert that a concurrent change of the item opened or resolved meanwhile.

Revision ID: b1c3e5a7d9f0
Revises: e8f1a3c5b7d9
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b1c3e5a7d9f0"
down_revision: str | None = "e8f1a3c5b7d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION open_alert_of_item(item bigint) RETURNS bigint "
        "LANGUAGE sql VOLATILE STRICT "
        "AS 'SELECT id FROM alerts WHERE item_id = item AND resolved_at IS NULL'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION open_alert_of_item(bigint)")
