"""An incident's row as the events and the API carry it, and the three things every change does in
the caller's transaction: the row written, a line on the timeline, and the event in the outbox."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.itsm import FieldChange, IncidentChangeData, IncidentSnapshot
from helpdesk_common.db import driver_connection
from helpdesk_common.errors import NotFound
from helpdesk_common.outbox import add_events
from itsm.tables import incident_numbers, incident_timeline, incidents

SOURCE = "itsm"
OPEN_STATUSES = ("open", "acknowledged")
TERMINAL_STATUSES = ("resolved", "closed")
_SNAPSHOT_FIELDS = tuple(IncidentSnapshot.model_fields)


class IncidentNotFound(NotFound):
    problem_type = "urn:helpdesk:problem:incident-not-found"


def snapshot(row: Any) -> IncidentSnapshot:
    values = {name: getattr(row, name) for name in _SNAPSHOT_FIELDS if hasattr(row, name)}
    return IncidentSnapshot.model_validate(values)


async def next_numbers(session: AsyncSession, count: int) -> list[str]:
    query = select(incident_numbers.next_value()).select_from(func.generate_series(1, count))
    return [f"INC-{value:06d}" for value in (await session.execute(query)).scalars()]


async def load(session: AsyncSession, incident_id: uuid.UUID, *, for_update: bool = False) -> Any:
    query = select(incidents).where(incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise IncidentNotFound(f"There is no incident {incident_id}.")
    return row


def changes_between(before: Any, after: Any, fields: tuple[str, ...]) -> dict[str, FieldChange]:
    changed: dict[str, FieldChange] = {}
    for name in fields:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changed[name] = FieldChange(old=_plain(old), new=_plain(new))
    return changed


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


async def timeline(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    kind: str,
    summary: str,
    at: datetime,
    actor: Operator | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        incident_timeline.insert().values(
            incident_id=incident_id,
            at=at,
            kind=kind,
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else None,
            summary=summary,
            details=details or {},
        )
    )


async def insert_incidents(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Rows of the same columns or not, as one JSON document per set of columns, straight to the driver
    (through SQLAlchemy each row's parameters cost more than the insert itself, `make bench-alerts`)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    connection = await driver_connection(session)
    for columns, group in groups.items():
        # asyncpg hands out its own UUID class, which orjson does not take for a uuid.UUID.
        await connection.execute(_insert_statement(columns), orjson.dumps(group, default=str).decode())


@functools.cache
def _insert_statement(columns: tuple[str, ...]) -> str:
    dialect = postgresql.dialect()
    typed = ", ".join(f"{name} {incidents.c[name].type.compile(dialect=dialect)}" for name in columns)
    names = ", ".join(columns)
    return (
        f"INSERT INTO incidents ({names}) SELECT {names} FROM jsonb_to_recordset($1::jsonb) AS given({typed})"
    )


async def timelines(
    session: AsyncSession, lines: list[tuple[uuid.UUID, str, str, datetime, Operator | None]]
) -> None:
    """Several lines at once: (incident, kind, summary, at, actor)."""
    await session.execute(
        incident_timeline.insert(),
        [
            {
                "incident_id": incident_id,
                "at": at,
                "kind": kind,
                "actor_id": actor.id if actor else None,
                "actor_name": actor.username if actor else None,
                "summary": summary,
                "details": {},
            }
            for incident_id, kind, summary, at, actor in lines
        ],
    )


async def announce_many(session: AsyncSession, events: list[tuple[type[Any], Any, Operator | None]]) -> None:
    """(contract, row, actor) each, in one outbox statement."""
    await add_events(
        session,
        [
            contract.build(
                source=SOURCE,
                subject=str(row.id),
                data=IncidentChangeData(incident=snapshot(row), actor_id=actor.id if actor else None),
            )
            for contract, row, actor in events
        ],
    )


async def announce(
    session: AsyncSession,
    contracts: list[type[Any]],
    row: Any,
    *,
    changes: dict[str, FieldChange] | None = None,
    actor: Operator | None = None,
    note: str | None = None,
) -> None:
    """Each contract's event about the incident as `row` has it now, in the outbox."""
    data = IncidentChangeData(
        incident=snapshot(row), changes=changes or {}, actor_id=actor.id if actor else None, note=note
    )
    await add_events(
        session,
        [contract.build(source=SOURCE, subject=str(row.id), data=data) for contract in contracts],
    )


async def write(
    session: AsyncSession, incident_id: uuid.UUID, values: dict[str, Any], *, at: datetime
) -> Any:
    """The row after `values` and the new `updated_at`."""
    return (
        await session.execute(
            incidents.update()
            .where(incidents.c.id == incident_id)
            .values(**values, updated_at=at)
            .returning(*incidents.c)
        )
    ).one()


def now_in_database() -> Any:
    return func.now()
