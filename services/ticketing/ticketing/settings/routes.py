"""HTTP for the module settings (flag settings_system_enabled; reachable while the module is off)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from helpdesk_common.auth import Operator, require
from helpdesk_common.db import Session
from ticketing.settings.schemas import ModuleSettingsOut, ModuleSettingsUpdate
from ticketing.settings.service import change_settings, read_settings

router = APIRouter(prefix="/settings", tags=["settings"])
SettingsAdmin = Annotated[Operator, Depends(require("settings_system_enabled"))]


@router.get("")
async def read(operator: SettingsAdmin, session: Session) -> ModuleSettingsOut:
    return await read_settings(session)


@router.put("")
async def replace(data: ModuleSettingsUpdate, operator: SettingsAdmin, session: Session) -> ModuleSettingsOut:
    changed = await change_settings(session, actor_id=operator.id, data=data)
    await session.commit()
    return changed
