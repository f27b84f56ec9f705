"""HTTP for a department's Time Tracking section (seed 10.10): read and save it; both need
tickets_manage_departments behind the Ticket System's gate."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from timetracking.access import DepartmentManager
from timetracking.settings import service
from timetracking.settings.schemas import TimeSettingsIn, TimeSettingsOut

router = APIRouter(prefix="/departments/{department_id}/time-tracking", tags=["time settings"])


@router.get("")
async def read_settings(
    department_id: uuid.UUID, operator: DepartmentManager, session: Session
) -> TimeSettingsOut:
    """A department never saved reads as the defaults (auto-timer off)."""
    return await service.read(session, department_id)


@router.put("")
async def save_settings(
    department_id: uuid.UUID, data: TimeSettingsIn, operator: DepartmentManager, session: Session
) -> TimeSettingsOut:
    saved = await service.save(session, department_id=department_id, data=data)
    await session.commit()
    return saved
