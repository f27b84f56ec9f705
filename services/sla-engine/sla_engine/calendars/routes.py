"""HTTP for business calendars and their holidays (issue 18): list, create, read, change, delete;
tickets_manage_sla."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from helpdesk_common.db import Session
from sla_engine.access import SlaManager
from sla_engine.calendars import service
from sla_engine.calendars.schemas import (
    CalendarCreate,
    CalendarOut,
    CalendarUpdate,
    HolidayCreate,
    HolidayOut,
    HolidayUpdate,
)

router = APIRouter(prefix="/calendars", tags=["SLA calendars"])


@router.get("")
async def list_calendars(operator: SlaManager, session: Session) -> list[CalendarOut]:
    return await service.list_calendars(session)


@router.post("", status_code=201)
async def create_calendar(data: CalendarCreate, operator: SlaManager, session: Session) -> CalendarOut:
    created = await service.create_calendar(session, data=data)
    await session.commit()
    return created


@router.get("/{calendar_id}")
async def read_calendar(calendar_id: uuid.UUID, operator: SlaManager, session: Session) -> CalendarOut:
    return await service.read_calendar(session, calendar_id)


@router.patch("/{calendar_id}")
async def update_calendar(
    calendar_id: uuid.UUID, data: CalendarUpdate, operator: SlaManager, session: Session
) -> CalendarOut:
    changed = await service.update_calendar(session, calendar_id=calendar_id, data=data)
    await session.commit()
    return changed


@router.delete(
    "/{calendar_id}", status_code=204, responses={409: {"description": "An SLA counts in this calendar."}}
)
async def delete_calendar(calendar_id: uuid.UUID, operator: SlaManager, session: Session) -> None:
    await service.delete_calendar(session, calendar_id=calendar_id)
    await session.commit()


@router.get("/{calendar_id}/holidays")
async def list_holidays(calendar_id: uuid.UUID, operator: SlaManager, session: Session) -> list[HolidayOut]:
    return await service.list_holidays(session, calendar_id)


@router.post("/{calendar_id}/holidays", status_code=201)
async def create_holiday(
    calendar_id: uuid.UUID, data: HolidayCreate, operator: SlaManager, session: Session
) -> HolidayOut:
    created = await service.create_holiday(session, calendar_id=calendar_id, data=data)
    await session.commit()
    return created


@router.patch("/{calendar_id}/holidays/{holiday_id}")
async def update_holiday(
    calendar_id: uuid.UUID, holiday_id: uuid.UUID, data: HolidayUpdate, operator: SlaManager, session: Session
) -> HolidayOut:
    changed = await service.update_holiday(session, calendar_id=calendar_id, holiday_id=holiday_id, data=data)
    await session.commit()
    return changed


@router.delete("/{calendar_id}/holidays/{holiday_id}", status_code=204)
async def delete_holiday(
    calendar_id: uuid.UUID, holiday_id: uuid.UUID, operator: SlaManager, session: Session
) -> None:
    await service.delete_holiday(session, calendar_id=calendar_id, holiday_id=holiday_id)
    await session.commit()
