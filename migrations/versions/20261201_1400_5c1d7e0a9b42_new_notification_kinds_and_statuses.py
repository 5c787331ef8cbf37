"""new notification kinds and statuses

Held digests, verification codes and escalations are new kinds; a notification can now be cancelled
(its member left, its address changed) or folded into a held digest; `cancelled` needs
longer statuses.

Revision ID: 5c1d7e0a9b42
Revises: 98bf9d28ba63
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1d7e0a9b42"
down_revision: str | None = "98bf9d28ba63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words as this revision knows them: later changes to core.vocabulary must not change
# what this migration does.
OLD_KINDS = ("alert", "back_in_stock", "reminder_digest")
NEW_KINDS = (*OLD_KINDS, "held_digest", "verification", "escalation")
OLD_STATUSES = ("pending", "sent", "dead")
NEW_STATUSES = (*OLD_STATUSES, "cancelled", "folded")


def _in(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def _replace_checks(kinds: Sequence[str], statuses: Sequence[str], status_length: int) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(),
            type_=sa.String(length=status_length),
            existing_nullable=False,
            existing_server_default=sa.text("'pending'"),
        )
        batch_op.drop_constraint(op.f("ck_notifications_kind_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_notifications_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_known"), _in("kind", kinds))
        batch_op.create_check_constraint(
            op.f("ck_notifications_status_known"), _in("status", statuses)
        )


def upgrade() -> None:
    _replace_checks(NEW_KINDS, NEW_STATUSES, status_length=16)


def downgrade() -> None:
    op.execute(f"DELETE FROM notifications WHERE NOT ({_in('kind', OLD_KINDS)})")
    op.execute(
        f"UPDATE notifications SET status = 'dead' WHERE NOT ({_in('status', OLD_STATUSES)})"
    )
    _replace_checks(OLD_KINDS, OLD_STATUSES, status_length=8)
