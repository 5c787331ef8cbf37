"""import previews

A spreadsheet a member sends is read into a preview of what it would change; Apply applies
it once, from any process, within the hour.

Revision ID: e8f1a3c5b7d9
Revises: a8d3f5c7e9b1
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e8f1a3c5b7d9"
down_revision: str | None = "a8d3f5c7e9b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "import_previews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'applied', 'cancelled')",
            name=op.f("ck_import_previews_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_import_previews_member_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_import_previews_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_previews")),
    )
    op.create_index(
        op.f("ix_import_previews_created_at"), "import_previews", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_import_previews_shop_id"), "import_previews", ["shop_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_import_previews_shop_id"), table_name="import_previews")
    op.drop_index(op.f("ix_import_previews_created_at"), table_name="import_previews")
    op.drop_table("import_previews")
