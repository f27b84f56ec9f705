"""HTTP for the module settings (flag settings_system_enabled; reachable while the module is off), and
the switch alone for the console's menu (tickets_enabled)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from helpdesk_common.auth import Operator, require
from helpdesk_common.db import Session
from helpdesk_common.ticket_module import MODULE_FLAG, module_enabled
from ticketing.settings.schemas import ModuleSettingsOut, ModuleSettingsUpdate, ModuleState
from ticketing.settings.service import change_settings, read_settings
from ticketing.tables.settings import module_settings

router = APIRouter(tags=["settings"])
SettingsAdmin = Annotated[Operator, Depends(require("settings_system_enabled"))]
# Not the module's gate: this read is how the console learns whether the gate is open. The menu shows
# Tickets only to holders of tickets_enabled (seed 10.2), so nobody else needs the answer.
ModuleUser = Annotated[Operator, Depends(require(MODULE_FLAG))]


@router.get("/settings")
async def read(operator: SettingsAdmin, session: Session) -> ModuleSettingsOut:
    return await read_settings(session)


@router.put("/settings")
async def replace(data: ModuleSettingsUpdate, operator: SettingsAdmin, session: Session) -> ModuleSettingsOut:
    changed = await change_settings(session, actor_id=operator.id, data=data)
    await session.commit()
    return changed


@router.get("/module")
async def module(operator: ModuleUser, request: Request) -> ModuleState:
    """Whether the Ticket System is switched on, as every ticket endpoint's gate sees it."""
    return ModuleState(enabled=await module_enabled(request, module_settings.c.ticket_system_enabled))
