"""item name keys hold case-folded names

Case folding can make a name longer (ß → ss, ﬃ → ffi, at most three characters for one), so
the comparison key of a 64-character name needs up to 192.

Revision ID: e2e3855769a4
Revises: 53f51029b7bd
Create Date: 2026-11-25 19:31:38.453846
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2e3855769a4"
down_revision: str | None = "53f51029b7bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key",
            existing_type=sa.VARCHAR(length=64),
            type_=sa.String(length=192),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Fails rather than truncates if a stored key is longer than 64: truncated keys could collide.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.alter_column(
            "name_key",
            existing_type=sa.String(length=192),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )
