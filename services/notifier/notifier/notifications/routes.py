"""HTTP for a department's e-mail notifications (seed 10.10, Notifications): read and save the
section; both need tickets_manage_departments behind the Ticket System's gate."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from notifier.access import DepartmentManager
from notifier.notifications import service
from notifier.notifications.schemas import NotificationSettingsIn, NotificationSettingsOut

router = APIRouter(prefix="/departments/{department_id}/notifications", tags=["notifications"])


@router.get("")
async def read_notifications(
    department_id: uuid.UUID, operator: DepartmentManager, session: Session
) -> NotificationSettingsOut:
    """A department never saved reads as no recipients and no events."""
    return await service.read(session, department_id)


@router.put("")
async def save_notifications(
    department_id: uuid.UUID, data: NotificationSettingsIn, operator: DepartmentManager, session: Session
) -> NotificationSettingsOut:
    saved = await service.save(session, department_id=department_id, data=data)
    await session.commit()
    return saved
