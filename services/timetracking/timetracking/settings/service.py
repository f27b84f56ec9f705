"""The rules of a department's time settings: only for a department ticketing has told us of, saved
whole; and the settings a booking or a timer goes by (the defaults where none were saved)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from timetracking.projections import departments_projection
from timetracking.rounding import RoundingMode, rounded_seconds
from timetracking.settings.schemas import (
    DEFAULT_CONFIRM_TIMEOUT_MINUTES,
    DEFAULT_IDLE_TIMEOUT_MINUTES,
    TimeSettingsIn,
    TimeSettingsOut,
)
from timetracking.tables import time_settings

_table = time_settings


@dataclass(frozen=True)
class TimeSettings:
    enabled: bool = False
    idle_timeout_minutes: int = DEFAULT_IDLE_TIMEOUT_MINUTES
    confirm_timeout_minutes: int = DEFAULT_CONFIRM_TIMEOUT_MINUTES
    rounding_minutes: int = 0
    rounding_mode: RoundingMode = "up"

    @property
    def idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.idle_timeout_minutes)

    @property
    def confirm_timeout(self) -> timedelta:
        return timedelta(minutes=self.confirm_timeout_minutes)

    def rounded(self, duration_seconds: int) -> int:
        return rounded_seconds(duration_seconds, step_minutes=self.rounding_minutes, mode=self.rounding_mode)


DEFAULTS = TimeSettings()
_COLUMNS = ("enabled", "idle_timeout_minutes", "confirm_timeout_minutes", "rounding_minutes", "rounding_mode")


async def settings_of(session: AsyncSession, department_id: uuid.UUID | None) -> TimeSettings:
    """What a booking or a timer on a ticket of this department goes by (a ticket of no department,
    or of a department never saved: the defaults, auto-timer off)."""
    if department_id is None:
        return DEFAULTS
    row = (await session.execute(select(_table).where(_table.c.department_id == department_id))).first()
    return DEFAULTS if row is None else _settings(row)


async def read(session: AsyncSession, department_id: uuid.UUID) -> TimeSettingsOut:
    await departments_projection.ensure_known(session, department_id)
    row = (await session.execute(select(_table).where(_table.c.department_id == department_id))).first()
    if row is None:
        return TimeSettingsOut(department_id=department_id, updated_at=None, **_values(DEFAULTS))
    return TimeSettingsOut.model_validate(row, from_attributes=True)


async def save(session: AsyncSession, *, department_id: uuid.UUID, data: TimeSettingsIn) -> TimeSettingsOut:
    """Entries booked before keep the rounding they were booked with; a running timer goes by the new
    timeouts from its next heartbeat."""
    await departments_projection.ensure_known(session, department_id)
    values = data.model_dump()
    row = (
        await session.execute(
            insert(_table)
            .values(department_id=department_id, **values)
            .on_conflict_do_update(
                index_elements=[_table.c.department_id], set_={**values, "updated_at": func.now()}
            )
            .returning(*_table.c)
        )
    ).one()
    return TimeSettingsOut.model_validate(row, from_attributes=True)


def _settings(row: Any) -> TimeSettings:
    return TimeSettings(**{column: getattr(row, column) for column in _COLUMNS})


def _values(settings: TimeSettings) -> dict[str, Any]:
    return {column: getattr(settings, column) for column in _COLUMNS}
