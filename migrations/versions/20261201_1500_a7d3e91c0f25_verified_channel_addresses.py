"""verified channel addresses

Members' email addresses and WhatsApp numbers are verified with a code before they receive
alerts: `members.email_verified_at`, `members.whatsapp_verified_at` and the
`verification_codes` table. Addresses set before this revision count as verified from the
moment of the upgrade, so nobody stops receiving alerts.

Revision ID: a7d3e91c0f25
Revises: c41f0e7d2a95
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d3e91c0f25"
down_revision: str | None = "c41f0e7d2a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("whatsapp_verified_at", sa.DateTime(timezone=True)))
    # Addresses in use before verification existed keep receiving alerts.
    op.execute("UPDATE members SET email_verified_at = CURRENT_TIMESTAMP WHERE email IS NOT NULL")
    op.execute(
        "UPDATE members SET whatsapp_verified_at = CURRENT_TIMESTAMP WHERE whatsapp IS NOT NULL"
    )

    op.create_table(
        "verification_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrong_tries", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_as", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "channel IN ('email', 'whatsapp')", name=op.f("ck_verification_codes_channel_known")
        ),
        sa.CheckConstraint(
            "closed_as IS NULL OR closed_as IN ('verified', 'void', 'burnt')",
            name=op.f("ck_verification_codes_closed_known"),
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (closed_as IS NULL)",
            name=op.f("ck_verification_codes_closed_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_verification_codes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
    )
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_codes_member_id_created_at", ["member_id", "created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("verification_codes")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("whatsapp_verified_at")
        batch_op.drop_column("email_verified_at")
