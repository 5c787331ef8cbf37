"""Handling an open alert without resolving it (SPEC 2.8): "I'm on it" records who took it,
so that its reminders go to that member and the shop's admins instead of everyone."""

from __future__ import annotations

from sqlalchemy import or_, update

from core.alerts.lifecycle import alert_id_for_item, get_alert
from core.db.models import Alert
from core.db.session import UnitOfWork
from core.errors import InvalidInput
from core.results import AckChange
from core.shops.members import require_member_ref


def ack_alert(
    uow: UnitOfWork,
    *,
    telegram_user_id: int,
    alert_id: int | None = None,
    item_name: str | None = None,
) -> AckChange:
    """The member takes an open alert of their shop (from whoever had it, if anyone)."""
    member = require_member_ref(uow, telegram_user_id)
    if alert_id is None:
        alert_id = alert_id_for_item(uow, member.shop_id, item_name or "")
    before = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    taken = uow.run(
        update(Alert)
        .where(
            Alert.id == alert_id,
            Alert.resolved_at.is_(None),
            or_(Alert.acknowledged_by.is_(None), Alert.acknowledged_by != member.id),
        )
        .values(acknowledged_by=member.id, acknowledged_at=uow.now())
        .returning(Alert.id)
    ).scalar()
    if taken is None:
        if not before.is_open:
            raise InvalidInput(f"Alert #{alert_id} is already resolved.")
        raise InvalidInput(f"You are already on alert #{alert_id}.")
    after = get_alert(uow, telegram_user_id=telegram_user_id, alert_id=alert_id)
    uow.commit()
    return AckChange(alert=after, taken_from=before.acknowledged_by_name)
