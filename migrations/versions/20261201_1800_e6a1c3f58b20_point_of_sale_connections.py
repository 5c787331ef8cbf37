"""point-of-sale connections

A shop's Shopify and Square webhooks (`pos_connections`), the events they delivered, kept
to apply each once (`pos_events`), the SKUs they sent that no item has (`unknown_skus`),
and the outbox kind that tells the admins of those once a day.

Revision ID: e6a1c3f58b20
Revises: a6c3e9f1d2b8
Create Date: 2026-12-01 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6a1c3f58b20"
down_revision: str | None = "a6c3e9f1d2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words as this revision knows them (later vocabularies must not change this migration).
OLD_KINDS = (
    "alert",
    "back_in_stock",
    "reminder_digest",
    "escalation",
    "held_digest",
    "verification",
    "card",
)
NEW_KINDS = (*OLD_KINDS, "unknown_skus")
PROVIDERS = ("shopify", "square")
UNREPORTED = sa.text("reported_at IS NULL")
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _in(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def _kinds(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind_known"), _in("kind", kinds))


def _connections() -> None:
    op.create_table(
        "pos_connections",
        sa.Column("id", Id, nullable=False),
        sa.Column("shop_id", Id, nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _in("provider", PROVIDERS), name=op.f("ck_pos_connections_provider_known")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_pos_connections_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_connections")),
        sa.UniqueConstraint("shop_id", "name", name=op.f("uq_pos_connections_shop_id_name")),
        sa.UniqueConstraint("token", name=op.f("uq_pos_connections_token")),
    )
    with op.batch_alter_table("pos_connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pos_connections_shop_id"), ["shop_id"], unique=False)


def _events() -> None:
    op.create_table(
        "pos_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("connection_id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["pos_connections.id"],
            name=op.f("fk_pos_events_connection_id_pos_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pos_events")),
        sa.UniqueConstraint(
            "connection_id", "event_id", name=op.f("uq_pos_events_connection_id_event_id")
        ),
    )


def _unknown_skus() -> None:
    op.create_table(
        "unknown_skus",
        sa.Column("id", Id, nullable=False),
        sa.Column("shop_id", Id, nullable=False),
        sa.Column("connection_id", Id, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["pos_connections.id"],
            name=op.f("fk_unknown_skus_connection_id_pos_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_unknown_skus_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unknown_skus")),
        sa.UniqueConstraint("shop_id", "sku", name=op.f("uq_unknown_skus_shop_id_sku")),
    )
    with op.batch_alter_table("unknown_skus", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unknown_skus_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(
            "ix_unknown_skus_shop_id_unreported",
            ["shop_id"],
            unique=False,
            postgresql_where=UNREPORTED,
            sqlite_where=UNREPORTED,
        )


def upgrade() -> None:
    _connections()
    _events()
    _unknown_skus()
    _kinds(NEW_KINDS)


def downgrade() -> None:
    op.execute(f"DELETE FROM notifications WHERE NOT ({_in('kind', OLD_KINDS)})")
    _kinds(OLD_KINDS)
    op.drop_table("unknown_skus")
    op.drop_table("pos_events")
    op.drop_table("pos_connections")
