"""The hours report: booked entries (running ones count once closed) on tickets the operator can see,
each counted on the local day it started, grouped by operator and by the ticket's customer as the
tickets projection knows it now. One grouped query; the three views are sums of its rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import ValidationFailed
from helpdesk_common.ticket_module import visible_departments
from timetracking.local_time import check_day, day_bounds
from timetracking.reports.schemas import (
    NO_CUSTOMER,
    CustomerHours,
    Hours,
    HoursReport,
    OperatorCustomerHours,
    OperatorHours,
    ReportQuery,
)
from timetracking.tables import entries, tickets
from timetracking.work_items import TICKET

# A leap year, whole: wider ranges are several reads.
LONGEST_RANGE_DAYS = 366


def report_days(query: ReportQuery) -> tuple[date, date]:
    """The first and last local day of a report's range (the hours report's, the incident report's)."""
    first, last = check_day(query.from_, "from"), check_day(query.to, "to")
    if first > last:
        raise ValidationFailed("to", f"The range ends ({last}) before it starts ({first}).")
    if last - first >= timedelta(days=LONGEST_RANGE_DAYS):
        raise ValidationFailed("to", f"The range may span at most {LONGEST_RANGE_DAYS} days.")
    return first, last


@dataclass
class _Sum:
    raw: int = 0
    rounded: int = 0

    def add(self, raw: int, rounded: int) -> None:
        self.raw += raw
        self.rounded += rounded

    def hours(self) -> dict[str, Any]:
        return {
            "raw_seconds": self.raw,
            "rounded_seconds": self.rounded,
            "raw_hours": round(self.raw / 3600, 2),
            "rounded_hours": round(self.rounded / 3600, 2),
        }


async def hours_report(
    session: AsyncSession, *, operator: Operator, first: date, last: date, zone: ZoneInfo
) -> HoursReport:
    since, _ = day_bounds(first, zone)
    _, until = day_bounds(last, zone)
    rows = await session.execute(
        select(
            entries.c.user_id,
            entries.c.username,
            tickets.c.customer_id,
            func.max(tickets.c.customer_name).label("customer_name"),
            func.sum(entries.c.duration_seconds).label("raw"),
            func.sum(entries.c.rounded_seconds).label("rounded"),
            func.max(entries.c.started_at).label("latest"),
        )
        .select_from(entries.join(tickets, tickets.c.id == entries.c.work_item_id))
        .where(
            entries.c.work_item_kind == TICKET,
            entries.c.ended_at.is_not(None),
            entries.c.started_at >= since,
            entries.c.started_at < until,
            tickets.c.deleted.is_(False),
            visible_departments(operator, tickets.c.department_id),
        )
        .group_by(entries.c.user_id, entries.c.username, tickets.c.customer_id)
    )
    total = _Sum()
    users: dict[uuid.UUID, _Sum] = defaultdict(_Sum)
    customers: dict[uuid.UUID | None, _Sum] = defaultdict(_Sum)
    cells: dict[tuple[uuid.UUID, uuid.UUID | None], _Sum] = defaultdict(_Sum)
    # An operator renamed within the range is named as on their latest entry.
    usernames: dict[uuid.UUID, tuple[datetime, str]] = {}
    customer_names: dict[uuid.UUID | None, str] = {None: NO_CUSTOMER}
    for row in rows:
        raw, rounded = int(row.raw), int(row.rounded)
        for found in (
            total,
            users[row.user_id],
            customers[row.customer_id],
            cells[row.user_id, row.customer_id],
        ):
            found.add(raw, rounded)
        if row.user_id not in usernames or usernames[row.user_id][0] < row.latest:
            usernames[row.user_id] = (row.latest, row.username)
        if row.customer_id is not None:
            customer_names[row.customer_id] = row.customer_name or str(row.customer_id)

    def username(user_id: uuid.UUID) -> str:
        return usernames[user_id][1]

    def customer_order(customer_id: uuid.UUID | None) -> tuple[bool, str]:
        return customer_id is None, customer_names[customer_id].lower()

    return HoursReport(
        **{"from": first},
        to=last,
        time_zone=zone.key,
        total=Hours(**total.hours()),
        operators=[
            OperatorHours(user_id=user_id, username=username(user_id), **users[user_id].hours())
            for user_id in sorted(users, key=lambda user_id: username(user_id).lower())
        ],
        customers=[
            CustomerHours(
                customer_id=customer_id,
                customer_name=customer_names[customer_id],
                **customers[customer_id].hours(),
            )
            for customer_id in sorted(customers, key=customer_order)
        ],
        matrix=[
            OperatorCustomerHours(
                user_id=user_id,
                username=username(user_id),
                customer_id=customer_id,
                customer_name=customer_names[customer_id],
                **cells[user_id, customer_id].hours(),
            )
            for user_id, customer_id in sorted(
                cells, key=lambda cell: (username(cell[0]).lower(), customer_order(cell[1]))
            )
        ],
    )
