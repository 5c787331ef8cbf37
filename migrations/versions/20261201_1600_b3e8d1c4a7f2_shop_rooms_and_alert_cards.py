"""shop rooms and alert cards

A shop may have a Telegram group as its room (SPEC 3.1): shops name the group, and the forum
topic in it; each alert remembers its card there (chat and message) so that changes edit it.
The outbox gains the `room` channel and the `card` kind, and a room's rows belong to no
member. Members choose whether they still get alerts privately while there is a room.

Revision ID: b3e8d1c4a7f2
Revises: 7a3c2f9e1d64
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e8d1c4a7f2"
down_revision: str | None = "7a3c2f9e1d64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words as this revision knows them (later vocabularies must not change this migration).
OLD_CHANNELS = ("telegram", "email", "whatsapp")
NEW_CHANNELS = (*OLD_CHANNELS, "room")
OLD_KINDS = (
    "alert",
    "back_in_stock",
    "reminder_digest",
    "escalation",
    "held_digest",
    "verification",
)
NEW_KINDS = (*OLD_KINDS, "card")


def _in(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def _outbox(channels: Sequence[str], kinds: Sequence[str], *, member_optional: bool) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.BigInteger(), nullable=member_optional)
        batch_op.drop_constraint(op.f("ck_notifications_channel_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_notifications_kind_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_notifications_channel_known"), _in("channel", channels)
        )
        batch_op.create_check_constraint(op.f("ck_notifications_kind_known"), _in("kind", kinds))


def upgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("room_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("room_thread_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("room_title", sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_shops_room_chat_id"), ["room_chat_id"])
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "private_alerts", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_chat_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("card_message_id", sa.BigInteger(), nullable=True))
    _outbox(NEW_CHANNELS, NEW_KINDS, member_optional=True)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE channel = 'room' OR kind = 'card'")
    _outbox(OLD_CHANNELS, OLD_KINDS, member_optional=False)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("card_message_id")
        batch_op.drop_column("card_chat_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("private_alerts")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_shops_room_chat_id"), type_="unique")
        batch_op.drop_column("room_title")
        batch_op.drop_column("room_thread_id")
        batch_op.drop_column("room_chat_id")
