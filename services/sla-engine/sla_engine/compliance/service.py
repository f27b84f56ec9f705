"""SLA compliance over the tickets created in a date range (docs/sla.md): per target, met, breached
(done late, or open past its deadline) and pending, in total and per department, customer and
operator (the ticket's current assignee). Read from the timers the engine keeps, so it needs nothing
from ticketing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from sla_engine.compliance.schemas import ComplianceReport, GroupCompliance, TargetCompliance
from sla_engine.tables import ticket_timers

ALL_DEPARTMENTS_FLAG = "tickets_view_all_departments"
KINDS = ("response", "resolution")
GROUPS = {"department": "department_id", "customer": "customer_id", "operator": "assignee_id"}


async def compliance(
    session: AsyncSession, operator: Operator, *, since: datetime, until: datetime, now: datetime
) -> ComplianceReport:
    grouped = {name: await _groups(session, operator, since, until, now, key) for name, key in GROUPS.items()}
    totals = await _groups(session, operator, since, until, now, None)
    empty = GroupCompliance(id=None, tickets=0, response=_target(0, 0, 0), resolution=_target(0, 0, 0))
    return ComplianceReport(
        since=since,
        until=until,
        computed_at=now,
        total=totals[0] if totals else empty,
        by_department=grouped["department"],
        by_customer=grouped["customer"],
        by_operator=grouped["operator"],
    )


async def _groups(
    session: AsyncSession,
    operator: Operator,
    since: datetime,
    until: datetime,
    now: datetime,
    key: str | None,
) -> list[GroupCompliance]:
    query = _counted(now, key).where(*_population(operator, since, until))
    rows = (await session.execute(query)).all()
    return [_group(row) for row in rows]


def _counted(now: datetime, key: str | None) -> Select[Any]:
    """One row per group: tickets, and met / breached / pending per target."""
    columns: list[Any] = [func.count().label("tickets")]
    for kind in KINDS:
        due, outcome = ticket_timers.c[f"{kind}_due_at"], ticket_timers.c[f"{kind}_outcome"]
        late = or_(outcome == "breached", and_(outcome.is_(None), due <= now))
        pending = and_(outcome.is_(None), due > now)
        columns += [
            func.count().filter(outcome == "met").label(f"{kind}_met"),
            func.count().filter(due.isnot(None), late).label(f"{kind}_breached"),
            func.count().filter(pending).label(f"{kind}_pending"),
        ]
    if key is None:
        return select(
            literal_column("NULL").label("group_id"), literal_column("NULL").label("name"), *columns
        )
    group = ticket_timers.c.ticket[key].astext
    name = func.max(ticket_timers.c.ticket["assignee_username"].astext) if key == "assignee_id" else None
    return (
        select(
            group.label("group_id"),
            (name if name is not None else literal_column("NULL")).label("name"),
            *columns,
        )
        .group_by(group)
        .order_by(case((group.is_(None), 1), else_=0), func.count().desc(), group)
    )


def _population(operator: Operator, since: datetime, until: datetime) -> list[Any]:
    """Tickets created in [since, until) under an SLA, not deleted, that the operator may see."""
    conditions: list[Any] = [
        ticket_timers.c.started_at >= since,
        ticket_timers.c.started_at < until,
        ticket_timers.c.sla_id.isnot(None),
        ticket_timers.c.deleted_at.is_(None),
    ]
    if not operator.has(ALL_DEPARTMENTS_FLAG):
        departments = [str(department) for department in operator.department_ids]
        conditions.append(ticket_timers.c.ticket["department_id"].astext.in_(departments))
    return conditions


def _group(row: Any) -> GroupCompliance:
    return GroupCompliance(
        id=uuid.UUID(row.group_id) if row.group_id else None,
        name=row.name,
        tickets=row.tickets,
        response=_target(row.response_met, row.response_breached, row.response_pending),
        resolution=_target(row.resolution_met, row.resolution_breached, row.resolution_pending),
    )


def _target(met: int, breached: int, pending: int) -> TargetCompliance:
    decided = met + breached
    return TargetCompliance(
        met=met, breached=breached, pending=pending, compliance=round(met / decided, 4) if decided else None
    )
