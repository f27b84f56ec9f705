"""The incident report: the entries booked on incidents, each counted on the local day it started,
summed per incident and per operator, billable and not. One grouped query; both views are sums of its
rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from timetracking.incidents.schemas import IncidentReport, IncidentTime, OperatorTime
from timetracking.local_time import day_bounds
from timetracking.tables import entries, incidents
from timetracking.totals import Tally
from timetracking.work_items import INCIDENT


async def incident_report(
    session: AsyncSession, *, first: date, last: date, zone: ZoneInfo
) -> IncidentReport:
    since, _ = day_bounds(first, zone)
    _, until = day_bounds(last, zone)
    rows = await session.execute(
        select(
            incidents.c.id,
            incidents.c.number,
            incidents.c.title,
            incidents.c.status,
            entries.c.user_id,
            entries.c.username,
            entries.c.billable,
            func.sum(entries.c.duration_seconds).label("raw"),
            func.sum(entries.c.rounded_seconds).label("rounded"),
            func.max(entries.c.started_at).label("latest"),
        )
        .select_from(entries.join(incidents, incidents.c.id == entries.c.work_item_id))
        .where(
            entries.c.work_item_kind == INCIDENT,
            entries.c.ended_at.is_not(None),
            entries.c.started_at >= since,
            entries.c.started_at < until,
        )
        .group_by(incidents.c.id, entries.c.user_id, entries.c.username, entries.c.billable)
    )
    total = Tally()
    per_incident: dict[uuid.UUID, Tally] = defaultdict(Tally)
    per_operator: dict[uuid.UUID, Tally] = defaultdict(Tally)
    # Each incident as the projection knows it now.
    named: dict[uuid.UUID, Any] = {}
    # An operator renamed within the range is named as on their latest entry.
    usernames: dict[uuid.UUID, tuple[datetime, str]] = {}
    for row in rows:
        for tally in (total, per_incident[row.id], per_operator[row.user_id]):
            tally.add(billable=row.billable, raw=int(row.raw), rounded=int(row.rounded))
        named[row.id] = row
        if row.user_id not in usernames or usernames[row.user_id][0] < row.latest:
            usernames[row.user_id] = (row.latest, row.username)

    def username(user_id: uuid.UUID) -> str:
        return usernames[user_id][1]

    return IncidentReport(
        **{"from": first},
        to=last,
        time_zone=zone.key,
        total=total.totals(),
        incidents=[
            IncidentTime(
                incident_id=incident_id,
                number=named[incident_id].number,
                title=named[incident_id].title,
                status=named[incident_id].status,
                **per_incident[incident_id].totals().model_dump(),
            )
            for incident_id in sorted(per_incident, key=lambda incident_id: named[incident_id].number)
        ],
        operators=[
            OperatorTime(
                user_id=user_id, username=username(user_id), **per_operator[user_id].totals().model_dump()
            )
            for user_id in sorted(per_operator, key=lambda user_id: username(user_id).lower())
        ],
    )
