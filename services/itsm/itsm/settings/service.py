"""The ITSM settings row: read with its defaults where never saved, saved whole."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.errors import ValidationFailed
from itsm.inventory.service import ensure_sla_exists
from itsm.settings.matrix import DEFAULT_MATRIX, LEVELS, Matrix
from itsm.settings.schemas import ItsmSettingsIn, ItsmSettingsOut
from itsm.tables import itsm_settings, sla_definitions

_table = itsm_settings


@dataclass(frozen=True)
class ItsmSettings:
    storm_window_minutes: int = 5
    storm_host_threshold: int = 3
    auto_close_hours: int = 48
    priority_matrix: Matrix = field(default_factory=lambda: DEFAULT_MATRIX)
    default_sla_id: uuid.UUID | None = None
    default_escalation_policy_id: uuid.UUID | None = None


async def current(session: AsyncSession) -> ItsmSettings:
    """The settings a decision goes by: a default SLA the engine has removed since is none."""
    live = sla_definitions.alias("live_sla")
    query = (
        select(_table, live.c.id.label("live_sla_id"))
        .select_from(
            _table.outerjoin(live, (live.c.id == _table.c.default_sla_id) & live.c.removed.is_(False))
        )
        .where(_table.c.id == 1)
    )
    row = (await session.execute(query)).first()
    if row is None:
        return ItsmSettings()
    return ItsmSettings(
        storm_window_minutes=row.storm_window_minutes,
        storm_host_threshold=row.storm_host_threshold,
        auto_close_hours=row.auto_close_hours,
        priority_matrix=row.priority_matrix or DEFAULT_MATRIX,
        default_sla_id=row.live_sla_id,
        default_escalation_policy_id=row.default_escalation_policy_id,
    )


async def read(session: AsyncSession) -> ItsmSettingsOut:
    """As saved (a removed default SLA still shows, for the administrator to replace)."""
    row = (await session.execute(select(_table).where(_table.c.id == 1))).first()
    if row is None:
        return ItsmSettingsOut(**_values(ItsmSettings()), updated_at=None)
    saved = {name: getattr(row, name) for name in _values(ItsmSettings())}
    saved["priority_matrix"] = saved["priority_matrix"] or DEFAULT_MATRIX
    return ItsmSettingsOut(**saved, updated_at=row.updated_at)


async def save(session: AsyncSession, data: ItsmSettingsIn) -> ItsmSettingsOut:
    _check_matrix(data.priority_matrix)
    if data.default_sla_id is not None:
        await ensure_sla_exists(session, data.default_sla_id, field="default_sla_id")
    values = data.model_dump()
    await session.execute(
        insert(_table)
        .values(id=1, **values)
        .on_conflict_do_update(index_elements=["id"], set_={**values, "updated_at": func.now()})
    )
    return await read(session)


def _check_matrix(matrix: Matrix) -> None:
    for impact in LEVELS:
        for urgency in LEVELS:
            if urgency not in matrix.get(impact, {}):
                raise ValidationFailed(
                    "priority_matrix", f"The matrix needs a priority for impact {impact}, urgency {urgency}."
                )


def _values(settings: ItsmSettings) -> dict[str, Any]:
    return {
        "storm_window_minutes": settings.storm_window_minutes,
        "storm_host_threshold": settings.storm_host_threshold,
        "auto_close_hours": settings.auto_close_hours,
        "priority_matrix": settings.priority_matrix,
        "default_sla_id": settings.default_sla_id,
        "default_escalation_policy_id": settings.default_escalation_policy_id,
    }
