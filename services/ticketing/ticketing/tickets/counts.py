"""The queue's live tab counts without counting the tickets at every read.

Counting a million tickets by status is slow however it is indexed (`make bench-tickets` measures
the queue at a million), and the queue shows its counts on every page. So triggers on `tickets`
(migration 0007) keep `ticket_counts`: per key (department, status, priority, assignee, type,
customer), how many tickets there are. They only
append a change row (settled false) in the writer's own transaction, so a count is exactly as live
as the tickets it counts (same snapshot) and concurrent writers never wait on a shared counter row.
`settle_counts` folds the appended rows into one settled row per key every few seconds; a reader
sums whatever is there, settled or not.

Filters on a label or a search term are not part of the key: those counts are taken from the
tickets themselves, over the few rows the label or trigram index finds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.periodic import every
from ticketing.tables import ticket_counts

if TYPE_CHECKING:
    from helpdesk_common.service import ServiceRuntime
    from ticketing.tickets.queue import QueueQuery

log = logging.getLogger(__name__)
SETTLE_EVERY_SECONDS = 2.0
_KEY = "department_id, status, priority, assignee_id, type_id, customer_id"

# One statement: the unsettled rows are taken and their sums added to the settled rows atomically,
# so a reader's sum is the same before and after. Rows appended meanwhile stay for the next round.
_SETTLE = f"""
WITH taken AS (
    DELETE FROM ticket_counts WHERE NOT settled RETURNING {_KEY}, tickets
)
INSERT INTO ticket_counts AS counted ({_KEY}, tickets, settled)
SELECT {_KEY}, sum(tickets), true FROM taken GROUP BY {_KEY}
ON CONFLICT ({_KEY}) WHERE settled DO UPDATE SET tickets = counted.tickets + excluded.tickets
"""
# Settling replicas take turns; the loser of a round has nothing left to do anyway.
_TAKE_TURN = "SELECT pg_try_advisory_xact_lock(hashtext('ticketing.settle_counts'))"


def countable(query: QueueQuery) -> bool:
    """Whether every filter of the query is part of the counts' key."""
    return query.label_id is None and not (query.search and query.search.strip())


async def kept_counts(session: AsyncSession, filters: list[Any]) -> dict[str, int]:
    """Tickets per status under `filters` on ticket_counts (queue.key_filters; call when countable)."""
    statement = (
        select(ticket_counts.c.status, func.sum(ticket_counts.c.tickets))
        .where(*filters)
        .group_by(ticket_counts.c.status)
    )
    return {status: int(total) for status, total in await session.execute(statement)}


async def settle_counts(session: AsyncSession) -> bool:
    """Fold the appended changes into the settled rows; False when another replica had the turn."""
    async with session.begin():
        if not (await session.execute(text(_TAKE_TURN))).scalar_one():
            return False
        settled = await session.execute(text(_SETTLE))
        if settled.rowcount:  # type: ignore[attr-defined]
            # Keys nobody has tickets under any more (a department gone, an assignee changed).
            await session.execute(text("DELETE FROM ticket_counts WHERE settled AND tickets = 0"))
    return True


async def settle_counts_job(runtime: ServiceRuntime, stop: asyncio.Event) -> None:
    async def settle() -> None:
        async with runtime.session_factory() as session:
            await settle_counts(session)

    await every(SETTLE_EVERY_SECONDS, stop, settle, what="settling the queue's counts")
