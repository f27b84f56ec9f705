"""The queue (seed 10.3): tabs with live counts, stacking filters, one search, sorting, keyset pages.

Counts come from the counts the triggers keep (tickets/counts.py), or for a label or a search from one
grouped query over the few tickets they match; pages are keyset (no OFFSET): the queue at a million
tickets costs what it costs at a thousand.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Table, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.errors import ValidationFailed
from ticketing.tables.tickets import ticket_counts, ticket_labels, tickets
from ticketing.tickets.counts import countable, kept_counts
from ticketing.tickets.reading import assignee_ref, chip, contact_ref, detail_query, last_contact, visible_to
from ticketing.tickets.schemas import Queue, QueueQuery, TicketRow

TABS: tuple[str, ...] = ("all", "open", "in_progress", "waiting", "resolved", "closed")
PRIORITY_RANK = case({"low": 1, "medium": 2, "high": 3, "critical": 4}, value=tickets.c.priority, else_=0)
SORTS: dict[str, Any] = {
    "updated_at": tickets.c.updated_at,
    "created_at": tickets.c.created_at,
    "number": tickets.c.number,
    "priority": PRIORITY_RANK,
}


async def read_queue(session: AsyncSession, *, operator: Operator, query: QueueQuery) -> Queue:
    filters = _filters(operator, query)
    counts = await read_counts(session, operator=operator, query=query) if query.counts else None
    rows = await _page(session, filters, query)
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    now = datetime.now(UTC)
    return Queue(
        rows=[_row(row, now) for row in rows],
        counts=counts,
        next_cursor=_cursor(rows[-1], query.sort) if has_more and rows else None,
    )


async def read_counts(session: AsyncSession, *, operator: Operator, query: QueueQuery) -> dict[str, int]:
    """Per tab, for the query's filters and search (its tab, sort and cursor play no part)."""
    if countable(query):
        return _tabs(await kept_counts(session, key_filters(ticket_counts, operator, query)))
    return await _counts(session, _filters(operator, query))


def _filters(operator: Operator, query: QueueQuery) -> list[Any]:
    return _with_label_and_search(key_filters(tickets, operator, query), query)


def key_filters(table: Table, operator: Operator, query: QueueQuery) -> list[Any]:
    """Visibility and the filters on a ticket's own columns, on `table`: tickets, or ticket_counts,
    whose key has the same columns (tickets/counts.py)."""
    columns = table.c
    filters: list[Any] = [visible_to(operator, table)]
    if query.department_id:
        filters.append(columns.department_id == query.department_id)
    if query.priority:
        filters.append(columns.priority == query.priority)
    if query.assignee == "unassigned":
        filters.append(columns.assignee_id.is_(None))
    elif query.assignee:
        filters.append(columns.assignee_id == _uuid("assignee", query.assignee))
    if query.type_id:
        filters.append(columns.type_id == query.type_id)
    if query.customer_id:
        filters.append(columns.customer_id == query.customer_id)
    return filters


def _with_label_and_search(filters: list[Any], query: QueueQuery) -> list[Any]:
    if query.label_id:
        labelled = select(ticket_labels.c.ticket_id).where(ticket_labels.c.label_id == query.label_id)
        filters.append(tickets.c.id.in_(labelled))
    if query.search and query.search.strip():
        term = query.search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        filters.append(tickets.c.search_text.like(f"%{term}%"))
    return filters


async def _counts(session: AsyncSession, filters: list[Any]) -> dict[str, int]:
    """Counted from the tickets: for a label or a search, whose few tickets an index finds."""
    grouped = await session.execute(
        select(tickets.c.status, func.count()).where(*filters).group_by(tickets.c.status)
    )
    return _tabs({status: count for status, count in grouped})


def _tabs(per_status: dict[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(TABS, 0)
    for status, count in per_status.items():
        counts[status] = count
        counts["all"] += count
    return counts


async def _page(session: AsyncSession, filters: list[Any], query: QueueQuery) -> list[Any]:
    sort = SORTS[query.sort]
    statement = detail_query().where(*filters)
    if query.tab != "all":
        statement = statement.where(tickets.c.status == query.tab)
    if query.cursor:
        value, after_id = _decode_cursor(query.cursor, query.sort)
        later = sort > value if query.order == "asc" else sort < value
        id_later = tickets.c.id > after_id if query.order == "asc" else tickets.c.id < after_id
        statement = statement.where(or_(later, and_(sort == value, id_later)))
    ordering = (
        (sort.asc(), tickets.c.id.asc()) if query.order == "asc" else (sort.desc(), tickets.c.id.desc())
    )
    return list((await session.execute(statement.order_by(*ordering).limit(query.limit + 1))).all())


def _row(row: Any, now: datetime) -> TicketRow:
    return TicketRow(
        id=row.id,
        number=row.number,
        title=row.title,
        contact=contact_ref(row),
        status=row.status,
        priority=row.priority,
        last_contact=last_contact(row),
        sla_state=chip(row, now),
        updated_at=row.updated_at,
        assignee=assignee_ref(row),
        department_id=row.department_id,
    )


def _sort_value(row: Any, sort: str) -> Any:
    if sort == "priority":
        return {"low": 1, "medium": 2, "high": 3, "critical": 4}[row.priority]
    value = getattr(row, sort)
    return value.isoformat() if isinstance(value, datetime) else value


def _cursor(row: Any, sort: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([_sort_value(row, sort), str(row.id)])).decode()


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, uuid.UUID]:
    try:
        value, after_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if sort in ("updated_at", "created_at"):
            value = datetime.fromisoformat(value)
        elif sort == "priority":
            value = int(value)
        else:
            value = str(value)
        return value, uuid.UUID(after_id)
    except (ValueError, TypeError, orjson.JSONDecodeError) as error:
        raise ValidationFailed("cursor", "The cursor is not one this queue handed out.") from error


def _uuid(field: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise ValidationFailed(field, f"'{value}' is neither an operator id nor 'unassigned'.") from error
