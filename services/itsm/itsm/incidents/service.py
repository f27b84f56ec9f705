"""The rules of the incident record (seed "Incident Management"): created by hand with enrichment,
changed, assigned to any combination of operator, identity-provider user and group, escalated,
acknowledged, resolved with a code, reopened with its SLA windows counted from then, closed; each
change on the timeline and announced through the outbox in the caller's transaction. Alerts reach
incidents through alerts/correlation.py, which uses `open_incident` and the transitions here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.auth import Operator
from helpdesk_common.contracts.itsm import (
    FieldChange,
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentCreated,
    IncidentEscalated,
    IncidentReopened,
    IncidentResolved,
    IncidentSnapshot,
    IncidentUpdated,
    ResolutionCode,
)
from helpdesk_common.errors import Conflict, ValidationFailed
from itsm.incidents import store
from itsm.incidents.enrichment import Enrichment, Signal, enrich
from itsm.incidents.schemas import (
    AssignIn,
    IncidentCreate,
    IncidentOut,
    IncidentUpdate,
)
from itsm.inventory.service import HostFacts, ensure_sla_exists, facts_of
from itsm.notes.service import add_note
from itsm.settings.matrix import priority
from itsm.settings.service import current as current_settings
from itsm.tables import assignment_groups, incident_keys, incidents, operators

_ASSIGNMENT = ("assignee_id", "assignee_username", "assignee_idp_user", "assignment_group_id")
_EDITABLE = (
    "title",
    "description",
    "severity",
    "impact",
    "urgency",
    "priority",
    "category",
    "subcategory",
    "sla_id",
)


class IncidentStateConflict(Conflict):
    problem_type = "urn:helpdesk:problem:incident-state"


def out(row: Any) -> IncidentOut:
    return IncidentOut.model_validate({name: getattr(row, name) for name in IncidentOut.model_fields})


async def get(session: AsyncSession, incident_id: uuid.UUID) -> IncidentOut:
    return out(await store.load(session, incident_id))


@dataclass
class Draft:
    """An incident to open: what enrichment gave, the rest of its values, and its timeline's line."""

    title: str
    enrichment: Enrichment
    values: dict[str, Any]
    at: datetime
    summary: str
    actor: Operator | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


async def open_incidents(session: AsyncSession, drafts: list[Draft]) -> list[IncidentSnapshot]:
    """New incidents (numbers drawn, enrichment stored), each on its timeline and announced, as they
    were written, in the drafts' order: a few statements for any number, since a storm opens
    thousands at once (`make bench-alerts`)."""
    if not drafts:
        return []
    numbers = await store.next_numbers(session, len(drafts))
    values = [
        {
            "id": draft.id,
            "number": number,
            "title": draft.title,
            "status": "open",
            "enrichment": draft.enrichment.origins,
            "created_by_id": draft.actor.id if draft.actor else None,
            "created_at": draft.at,
            "updated_at": draft.at,
            **draft.enrichment.values,
            **draft.values,
        }
        for draft, number in zip(drafts, numbers, strict=True)
    ]
    await store.insert_incidents(session, values)
    created = [IncidentSnapshot.model_validate(each) for each in values]
    await store.timelines(
        session,
        [(draft.id, "created", draft.summary, draft.at, draft.actor) for draft in drafts],
    )
    await store.announce_many(
        session, [(IncidentCreated, row, draft.actor) for draft, row in zip(drafts, created, strict=True)]
    )
    return created


async def open_incident(session: AsyncSession, draft: Draft) -> IncidentSnapshot:
    (created,) = await open_incidents(session, [draft])
    return created


async def create(
    session: AsyncSession, operator: Operator, data: IncidentCreate, *, now: datetime
) -> IncidentOut:
    """By hand: the operator's impact and urgency win over the severity's; an SLA given wins over
    the host group's and the defaults."""
    if data.sla_id is not None:
        await ensure_sla_exists(session, data.sla_id, field="sla_id")
    facts = (
        (await facts_of(session, [data.host])).get(data.host.lower(), HostFacts())
        if data.host
        else HostFacts()
    )
    enrichment = enrich(
        Signal(severity=data.severity, host_count=1 if data.host else 0),
        facts,
        await current_settings(session),
        impact=data.impact,
        urgency=data.urgency,
        set_by=operator.username,
    )
    if data.category:
        enrichment.set("category", data.category, f"set by {operator.username}")
    if data.subcategory:
        enrichment.set("subcategory", data.subcategory, f"set by {operator.username}")
    if data.sla_id is not None:
        enrichment.set("sla_id", data.sla_id, f"set by {operator.username}")
    assignment = await _assignment(
        session,
        AssignIn(
            assignee_id=data.assignee_id,
            assignee_idp_user=data.assignee_idp_user,
            assignment_group_id=data.assignment_group_id,
        ),
    )
    row = await open_incident(
        session,
        Draft(
            title=data.title,
            enrichment=enrichment,
            values={
                "description": data.description,
                "severity": data.severity,
                "host": data.host,
                "host_count": 1 if data.host else 0,
                "tenant_id": facts.tenant_id,
                "host_group_id": facts.host_group_id,
                **assignment,
            },
            at=now,
            actor=operator,
            summary=f"Created by {operator.username}",
        ),
    )
    return out(await store.load(session, row.id))


async def update_incident(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, data: IncidentUpdate, *, now: datetime
) -> IncidentOut:
    before = await store.load(session, incident_id, for_update=True)
    values = data.model_dump(exclude_unset=True)
    if "sla_id" in values and values["sla_id"] is not None:
        await ensure_sla_exists(session, values["sla_id"], field="sla_id")
    impact = values.get("impact", before.impact)
    urgency = values.get("urgency", before.urgency)
    if impact != before.impact or urgency != before.urgency:
        values["priority"] = priority((await current_settings(session)).priority_matrix, impact, urgency)
    if not values:
        return out(before)
    after = await store.write(session, incident_id, values, at=now)
    changes = store.changes_between(before, after, _EDITABLE)
    if changes:
        await store.timeline(
            session,
            incident_id,
            kind="updated",
            summary=f"Changed {', '.join(changes)}",
            at=now,
            actor=operator,
            details={"changes": {k: v.model_dump() for k, v in changes.items()}},
        )
        await store.announce(session, [IncidentUpdated], after, changes=changes, actor=operator)
    return out(after)


async def assign(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, data: AssignIn, *, now: datetime
) -> IncidentOut:
    before = await store.load(session, incident_id, for_update=True)
    after = await store.write(session, incident_id, await _assignment(session, data), at=now)
    changes = store.changes_between(before, after, _ASSIGNMENT)
    if changes:
        await store.timeline(
            session,
            incident_id,
            kind="assignment",
            summary=await _assignment_summary(session, after),
            at=now,
            actor=operator,
            details={"changes": {k: v.model_dump() for k, v in changes.items()}},
        )
        await store.announce(session, [IncidentAssigned], after, changes=changes, actor=operator)
    return out(after)


async def _assignment(session: AsyncSession, data: AssignIn) -> dict[str, Any]:
    username = None
    if data.assignee_id is not None:
        row = (await session.execute(select(operators).where(operators.c.id == data.assignee_id))).first()
        if row is None or not row.active:
            raise ValidationFailed("assignee_id", f"There is no active operator {data.assignee_id}.")
        username = row.username
    if data.assignment_group_id is not None:
        query = select(assignment_groups.c.id).where(assignment_groups.c.id == data.assignment_group_id)
        if (await session.execute(query)).first() is None:
            raise ValidationFailed(
                "assignment_group_id", f"There is no assignment group {data.assignment_group_id}."
            )
    return {
        "assignee_id": data.assignee_id,
        "assignee_username": username,
        "assignee_idp_user": data.assignee_idp_user,
        "assignment_group_id": data.assignment_group_id,
    }


async def _assignment_summary(session: AsyncSession, row: Any) -> str:
    group = None
    if row.assignment_group_id is not None:
        query = select(assignment_groups.c.name).where(assignment_groups.c.id == row.assignment_group_id)
        group = (await session.execute(query)).scalar()
    parts = [
        f"operator {row.assignee_username}" if row.assignee_id else None,
        f"identity-provider user {row.assignee_idp_user}" if row.assignee_idp_user else None,
        f"group {group}" if group else None,
    ]
    named = [part for part in parts if part]
    return f"Assigned to {', '.join(named)}" if named else "Unassigned"


async def escalate(
    session: AsyncSession, incident_id: uuid.UUID, *, actor: Operator | None, reason: str, now: datetime
) -> IncidentOut:
    """One level up (by hand, or by an SLA breach with no actor); a resolved or closed incident is not
    escalated."""
    before = await store.load(session, incident_id, for_update=True)
    _refuse_terminal(before, "escalated")
    after = await store.write(session, incident_id, {"escalation_level": before.escalation_level + 1}, at=now)
    summary = f"Escalated to level {after.escalation_level}" + (f": {reason}" if reason else "")
    await store.timeline(session, incident_id, kind="escalation", summary=summary, at=now, actor=actor)
    changes = {"escalation_level": FieldChange(old=before.escalation_level, new=after.escalation_level)}
    await store.announce(
        session, [IncidentEscalated], after, changes=changes, actor=actor, note=reason or None
    )
    return out(after)


async def acknowledge(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    actor: Operator | None,
    now: datetime,
    note: str | None = None,
    by: str | None = None,
) -> IncidentOut:
    """Open to acknowledged; the acknowledging operator takes it when nobody holds it."""
    before = await store.load(session, incident_id, for_update=True)
    _refuse_terminal(before, "acknowledged")
    if before.status == "acknowledged":
        raise IncidentStateConflict(f"{before.number} is already acknowledged.")
    values: dict[str, Any] = {"status": "acknowledged", "acknowledged_at": now}
    if actor is not None and before.assignee_id is None and before.assignee_idp_user is None:
        values.update(assignee_id=actor.id, assignee_username=actor.username)
    after = await store.write(session, incident_id, values, at=now)
    who = actor.username if actor else by or "the alert source"
    await store.timeline(
        session, incident_id, kind="status", summary=f"Acknowledged by {who}", at=now, actor=actor
    )
    if note:
        await add_note(session, incident_id, author=actor, body=note, at=now)
    changes = store.changes_between(before, after, ("status", *_ASSIGNMENT))
    await store.announce(session, [IncidentAcknowledged], after, changes=changes, actor=actor, note=note)
    return out(after)


async def resolve(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    actor: Operator | None,
    code: ResolutionCode,
    notes: str,
    now: datetime,
    by: str | None = None,
) -> IncidentOut:
    before = await store.load(session, incident_id, for_update=True)
    _refuse_terminal(before, "resolved")
    values = {"status": "resolved", "resolved_at": now, "resolution_code": code, "resolution_notes": notes}
    after = await store.write(session, incident_id, values, at=now)
    await _deactivate_keys(session, incident_id)
    who = actor.username if actor else by or "the alert source"
    await store.timeline(
        session,
        incident_id,
        kind="status",
        summary=f"Resolved by {who} ({code})",
        at=now,
        actor=actor,
        details={"resolution_code": code, "resolution_notes": notes},
    )
    changes = store.changes_between(before, after, ("status", "resolution_code", "resolution_notes"))
    await store.announce(session, [IncidentResolved], after, changes=changes, actor=actor, note=notes or None)
    return out(after)


async def reopen(
    session: AsyncSession, operator: Operator, incident_id: uuid.UUID, *, notes: str, now: datetime
) -> IncidentOut:
    """Resolved to open (seed G-08): the SLA engine counts its windows again from `reopened_at`; the
    keys it held take alerts again unless another incident holds them now."""
    before = await store.load(session, incident_id, for_update=True)
    if before.status != "resolved":
        raise IncidentStateConflict(
            f"Only a resolved incident can be reopened; {before.number} is {before.status}."
        )
    values = {
        "status": "open",
        "reopened_at": now,
        "resolved_at": None,
        "acknowledged_at": None,
        "resolution_code": None,
        "resolution_notes": None,
    }
    after = await store.write(session, incident_id, values, at=now)
    await _reactivate_keys(session, incident_id)
    note = f"[Reopened] {notes}" if notes else None
    if note:
        await add_note(session, incident_id, author=operator, body=note, at=now)
    await store.timeline(
        session,
        incident_id,
        kind="status",
        summary=f"Reopened by {operator.username}",
        at=now,
        actor=operator,
    )
    changes = store.changes_between(before, after, ("status", "resolution_code", "resolution_notes"))
    await store.announce(session, [IncidentReopened], after, changes=changes, actor=operator, note=note)
    return out(after)


async def close(
    session: AsyncSession,
    incident_id: uuid.UUID,
    *,
    now: datetime,
    summary: str,
    values: dict[str, Any] | None = None,
    actor: Operator | None = None,
) -> Any:
    """Closed for good (the auto-close sweep, or gathered into a storm); its keys take no more alerts."""
    before = await store.load(session, incident_id, for_update=True)
    after = await store.write(
        session, incident_id, {"status": "closed", "closed_at": now, **(values or {})}, at=now
    )
    await _deactivate_keys(session, incident_id)
    await store.timeline(session, incident_id, kind="status", summary=summary, at=now, actor=actor)
    changes = store.changes_between(before, after, ("status", "storm_id", "resolution_code"))
    await store.announce(session, [IncidentClosed], after, changes=changes, actor=actor, note=summary)
    return after


def _refuse_terminal(row: Any, verb: str) -> None:
    if row.status in store.TERMINAL_STATUSES:
        raise IncidentStateConflict(f"{row.number} is {row.status} and cannot be {verb}.")


async def _deactivate_keys(session: AsyncSession, incident_id: uuid.UUID) -> None:
    await session.execute(
        update(incident_keys).where(incident_keys.c.incident_id == incident_id).values(active=False)
    )


async def _reactivate_keys(session: AsyncSession, incident_id: uuid.UUID) -> None:
    other = incident_keys.alias("other")
    held_elsewhere = (
        select(other.c.correlation_key)
        .where(other.c.correlation_key == incident_keys.c.correlation_key, other.c.active)
        .exists()
    )
    await session.execute(
        update(incident_keys)
        .where(incident_keys.c.incident_id == incident_id, ~held_elsewhere)
        .values(active=True, state="triggered")
    )


def list_filters(
    *,
    statuses: list[str] | None,
    priorities: list[str] | None,
    assignee_id: uuid.UUID | None,
    assignment_group_id: uuid.UUID | None,
    unassigned: bool,
    source: str | None,
    search: str | None,
) -> list[Any]:
    c = incidents.c
    filters: list[Any] = []
    if statuses:
        filters.append(c.status.in_(statuses))
    if priorities:
        filters.append(c.priority.in_(priorities))
    if assignee_id is not None:
        filters.append(c.assignee_id == assignee_id)
    if assignment_group_id is not None:
        filters.append(c.assignment_group_id == assignment_group_id)
    if unassigned:
        filters.append(
            and_(c.assignee_id.is_(None), c.assignee_idp_user.is_(None), c.assignment_group_id.is_(None))
        )
    if source:
        filters.append(c.source == source)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        filters.append(or_(c.number.ilike(pattern), c.title.ilike(pattern), c.host.ilike(pattern)))
    return filters


async def list_page(
    session: AsyncSession, *, filters: list[Any], after: tuple[datetime, uuid.UUID] | None, limit: int
) -> tuple[list[IncidentOut], tuple[datetime, uuid.UUID] | None, dict[str, int]]:
    """Newest first, keyset by (created_at, id); the per-status counts under the same filters but the
    status's own."""
    c = incidents.c
    query = select(incidents).where(*filters).order_by(c.created_at.desc(), c.id.desc()).limit(limit + 1)
    if after is not None:
        query = query.where(func.row(c.created_at, c.id) < func.row(*after))
    rows = list(await session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    last = (rows[-1].created_at, rows[-1].id) if more and rows else None
    status_free = [each for each in filters if not _is_status_filter(each)]
    counted = await session.execute(select(c.status, func.count()).where(*status_free).group_by(c.status))
    counts = {"open": 0, "acknowledged": 0, "resolved": 0, "closed": 0} | {row[0]: row[1] for row in counted}
    return [out(row) for row in rows], last, counts


def _is_status_filter(clause: Any) -> bool:
    return getattr(getattr(clause, "left", None), "key", None) == "status"
