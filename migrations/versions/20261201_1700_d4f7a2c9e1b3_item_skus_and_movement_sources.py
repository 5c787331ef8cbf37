"""item SKUs and movement sources

An item may have a SKU, unique among the shop's live items: what a point-of-sale system
calls it. A movement names its source when no member made it (an API key, a point-of-sale
connection), and may carry a short note.

Revision ID: d4f7a2c9e1b3
Revises: b3e8d1c4a7f2
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f7a2c9e1b3"
down_revision: str | None = "b3e8d1c4a7f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_SKU = sa.text("deleted_at IS NULL AND sku IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sku", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "uq_items_shop_id_sku",
            ["shop_id", "sku"],
            unique=True,
            postgresql_where=LIVE_SKU,
            sqlite_where=LIVE_SKU,
        )
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movements", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("source")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_items_shop_id_sku", postgresql_where=LIVE_SKU, sqlite_where=LIVE_SKU
        )
        batch_op.drop_column("sku")
