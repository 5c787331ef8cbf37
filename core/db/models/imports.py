"""Import previews: what a sent spreadsheet would change, kept until Apply, Cancel or the
hour is up, so that the button may reach any process and works once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, Id


class ImportPreview(Base):
    __tablename__ = "import_previews"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'applied', 'cancelled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    # Who sent the file: a member, or an API key (`api:<key name>`).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    settled_at: Mapped[datetime | None]
    # The rows read, the changes planned and each error with its row (core.stock.imports).
    plan: Mapped[dict[str, Any]]
    # What Apply did, answered again to a second Apply.
    result: Mapped[dict[str, Any] | None]
