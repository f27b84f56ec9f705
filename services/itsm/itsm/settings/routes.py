"""HTTP for the ITSM settings: read with `incidents.view` (the console shows the matrix beside an
incident's priority), save with `itsm.settings.manage`."""

from __future__ import annotations

from fastapi import APIRouter

from helpdesk_common.db import Session
from itsm.access import ItsmAdministrator, SettingsReader
from itsm.settings import service
from itsm.settings.schemas import ItsmSettingsIn, ItsmSettingsOut

router = APIRouter(prefix="/settings", tags=["itsm settings"])


@router.get("")
async def read_settings(operator: SettingsReader, session: Session) -> ItsmSettingsOut:
    return await service.read(session)


@router.put("")
async def save_settings(
    data: ItsmSettingsIn, operator: ItsmAdministrator, session: Session
) -> ItsmSettingsOut:
    """Incidents opened before keep the priority they were given; new ones use the new matrix."""
    saved = await service.save(session, data)
    await session.commit()
    return saved
