"""HTTP for e-mail notifications: a department's (seed 10.10, Notifications), which needs
tickets_manage_departments behind the Ticket System's gate, and the ITSM account's for incident
events, which needs incidents.manage; each read and saved whole."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from notifier.access import DepartmentManager, IncidentManager
from notifier.notifications import service
from notifier.notifications.schemas import (
    IncidentNotificationsIn,
    IncidentNotificationsOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    SenderDepartment,
)

router = APIRouter(prefix="/departments/{department_id}/notifications", tags=["notifications"])
itsm_router = APIRouter(prefix="/itsm/notifications", tags=["itsm notifications"])


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


@itsm_router.get("")
async def read_incident_notifications(
    operator: IncidentManager, session: Session
) -> IncidentNotificationsOut:
    """Never saved: no sending department, and every event writes to nobody."""
    return await service.read_incident_settings(session)


@itsm_router.put("")
async def save_incident_notifications(
    data: IncidentNotificationsIn, operator: IncidentManager, session: Session
) -> IncidentNotificationsOut:
    saved = await service.save_incident_settings(session, data=data)
    await session.commit()
    return saved


@itsm_router.get("/departments")
async def list_sender_departments(operator: IncidentManager, session: Session) -> list[SenderDepartment]:
    """The departments whose mailbox may send the incident e-mails (the settings' picker): whoever
    manages incidents need not hold the Ticket System's flags to choose one."""
    return await service.sender_departments(session)
