"""outgoing webhooks

A shop may subscribe URLs to its events (SPEC 7): `webhook_endpoints` holds each one, its
events and its signing secret, and when it was disabled or began failing. The outbox gains
the `webhook` channel (the recipient is the endpoint's id), the `webhook_event` kind, and
`webhook_disabled`, the admins' message about an endpoint switched off.

Revision ID: e5a9c3f1b7d2
Revises: e6a1c3f58b20
Create Date: 2026-12-01 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a9c3f1b7d2"
down_revision: str | None = "e6a1c3f58b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words as this revision knows them (later vocabularies must not change this migration).
OLD_CHANNELS = ("telegram", "email", "whatsapp", "room")
NEW_CHANNELS = (*OLD_CHANNELS, "webhook")
OLD_KINDS = (
    "alert",
    "back_in_stock",
    "reminder_digest",
    "escalation",
    "held_digest",
    "verification",
    "card",
    "unknown_skus",
)
NEW_KINDS = (*OLD_KINDS, "webhook_event", "webhook_disabled")


def _in(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def _outbox(channels: Sequence[str], kinds: Sequence[str]) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_channel_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_notifications_kind_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_channel_known"), _in("channel", channels)
        )
        batch_op.create_check_constraint(op.f("ck_notifications_kind_known"), _in("kind", kinds))


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("events", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_webhook_endpoints_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_shop_id"), ["shop_id"], unique=False)
    _outbox(NEW_CHANNELS, NEW_KINDS)


def downgrade() -> None:
    op.execute(
        "DELETE FROM notifications WHERE channel = 'webhook'"
        " OR kind IN ('webhook_event', 'webhook_disabled')"
    )
    _outbox(OLD_CHANNELS, OLD_KINDS)
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_shop_id"))
    op.drop_table("webhook_endpoints")
