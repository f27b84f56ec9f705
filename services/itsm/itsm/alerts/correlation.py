"""The correlator: alerts (`alerts.>`, from the bus or the HTTP intake) to incidents, a batch at a
time in the inbox's transaction (docs/itsm.md, "Correlation").

Every alert has a correlation key: its source and dedup key, else its source, host and rule. A
trigger whose key an open incident holds attaches to it; else, when its rule already has an open
storm, it joins the storm; else, when its rule fired on the storm threshold's number of distinct
hosts within the window, a storm incident opens and gathers the per-host incidents the rule opened
in that window; else a new incident opens. `acknowledge` acknowledges the incident holding the key;
`resolve` resolves the key, and the incident once all its keys are resolved.

Several replicas share the durable consumer, so two batches may carry the same key: each batch first
takes a transaction-scoped advisory lock per key and per storm rule, in one sorted order (no
deadlock between batches), and the unique indexes on active keys and open storms hold the rest.
The frequent case, an alert for an incident that exists, is applied as one statement per batch
(`make bench-alerts`); alerts added to an incident change its counts without an event of their own,
so a storm of alerts is not a storm of notifications.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.bus.topology import ConsumerSpec, declare_consumer
from helpdesk_common.contracts.alerts import SEVERITIES, Alert, AlertSeverity
from helpdesk_common.db import driver_connection
from itsm.alerts.admission import admit
from itsm.config import ItsmSettings as ItsmConfig
from itsm.incidents import service as incidents_service
from itsm.incidents import store
from itsm.incidents.enrichment import Signal, enrich
from itsm.incidents.service import Draft
from itsm.inventory.service import HostFacts, facts_of
from itsm.settings.service import ItsmSettings
from itsm.settings.service import current as current_settings
from itsm.tables import alerts, incident_keys, incidents

alerts_consumer = EventConsumer(
    declare_consumer(
        ConsumerSpec(
            durable="itsm-alerts",
            stream="ALERTS",
            filter_subject="alerts.>",
            description="Alerts correlated into incidents (dedup keys, storms).",
        )
    ),
    batch_size=1024,
)

RuleKey = tuple[str, str]  # (source, rule)


@dataclass
class _Attached:
    """Alerts of this batch added to one incident, written in one statement at the end."""

    count: int = 0
    last_seen: datetime | None = None


@dataclass
class _Batch:
    """What the batch knows and has decided so far."""

    settings: ItsmSettings
    facts: dict[str, HostFacts]
    # Active key -> the incident holding it.
    holders: dict[str, uuid.UUID]
    # (source, rule) -> its open storm.
    storms: dict[RuleKey, uuid.UUID]
    # (source, rule) -> host -> the last trigger's time (the storm window's evidence).
    recent_hosts: dict[RuleKey, dict[str, datetime]]
    # Incidents and keys decided but not yet written: written together, a few statements a batch.
    drafts: list[Draft] = field(default_factory=list)
    new_keys: list[dict[str, Any]] = field(default_factory=list)
    attached: dict[uuid.UUID, _Attached] = field(default_factory=lambda: defaultdict(_Attached))
    keys_attached: dict[str, _Attached] = field(default_factory=lambda: defaultdict(_Attached))
    rows: list[dict[str, Any]] = field(default_factory=list)


def correlation_key(alert: Alert) -> str:
    return f"{alert.source}/{alert.data.correlation_key()}"


def _rule_key(alert: Alert) -> RuleKey | None:
    payload = alert.data.payload
    if alert.data.event_action != "trigger" or payload is None or not payload.rule:
        return None
    return (alert.source, payload.rule)


@alerts_consumer.on_batch(Alert)
async def on_alerts(session: AsyncSession, events: list[Alert]) -> None:
    await correlate(session, events)


async def correlate(session: AsyncSession, events: list[Alert], *, now: datetime | None = None) -> None:
    """A batch from the bus: each source held to its rate first (admission.py), the rest correlated."""
    admitted = await admit(session, events, now=now or datetime.now(UTC), default_rate=_bus_rate())
    if admitted:
        await correlate_admitted(session, admitted)


@functools.cache
def _bus_rate() -> int:
    return ItsmConfig().itsm_bus_rate_per_minute


async def correlate_admitted(session: AsyncSession, events: list[Alert]) -> None:
    keys = sorted({correlation_key(event) for event in events})
    rules = sorted({rule for event in events if (rule := _rule_key(event)) is not None})
    await _lock(session, keys, rules)
    holders = await _holders(session, keys)
    # Only an alert that may open an incident needs its host's inventory facts.
    unheld = [e.data.payload.source for e in events if e.data.payload and correlation_key(e) not in holders]
    batch = _Batch(
        settings=await current_settings(session),
        facts=await facts_of(session, unheld),
        holders=holders,
        storms=await _open_storms(session, rules),
        recent_hosts={},
    )
    earliest = min(event.time for event in events)
    batch.recent_hosts = await _recent_hosts(
        session,
        [rule for rule in rules if rule not in batch.storms],
        since=earliest - _window(batch.settings),
    )
    for event in events:
        await _apply(session, batch, event)
    await _flush(session, batch)
    await _write_alerts(session, batch.rows)


def _window(settings: ItsmSettings) -> timedelta:
    return timedelta(minutes=settings.storm_window_minutes)


async def _lock(session: AsyncSession, keys: list[str], rules: list[RuleKey]) -> None:
    names = sorted({*keys, *(f"storm:{source}/{rule}" for source, rule in rules)})
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(lock_id) FROM "
            "(SELECT DISTINCT hashtextextended(name, 0) AS lock_id "
            "FROM unnest(CAST(:names AS text[])) AS name ORDER BY 1) AS ordered"
        ),
        {"names": names},
    )


async def _holders(session: AsyncSession, keys: list[str]) -> dict[str, uuid.UUID]:
    rows = await (await driver_connection(session)).fetch(_HOLDERS, keys)
    return {row["correlation_key"]: row["incident_id"] for row in rows}


async def _open_storms(session: AsyncSession, rules: list[RuleKey]) -> dict[RuleKey, uuid.UUID]:
    if not rules:
        return {}
    c = incidents.c
    query = select(c.id, c.source, c.rule).where(
        c.is_storm, c.status.in_(store.OPEN_STATUSES), tuple_(c.source, c.rule).in_(rules)
    )
    return {(row.source, row.rule): row.id for row in await session.execute(query)}


async def _recent_hosts(
    session: AsyncSession, rules: list[RuleKey], *, since: datetime
) -> dict[RuleKey, dict[str, datetime]]:
    recent: dict[RuleKey, dict[str, datetime]] = {rule: {} for rule in rules}
    if not rules:
        return recent
    c = alerts.c
    query = (
        select(c.source, c.rule, c.host, func.max(c.received_at).label("last"))
        .where(c.action == "trigger", tuple_(c.source, c.rule).in_(rules), c.received_at >= since)
        .group_by(c.source, c.rule, c.host)
    )
    for row in await session.execute(query):
        recent[(row.source, row.rule)][row.host] = row.last
    return recent


async def _apply(session: AsyncSession, batch: _Batch, event: Alert) -> None:
    action = event.data.event_action
    key = correlation_key(event)
    incident_id: uuid.UUID | None
    if action == "trigger":
        incident_id, outcome = await _trigger(session, batch, event, key)
    elif action == "acknowledge":
        incident_id, outcome = await _acknowledge(session, batch, event, key)
    else:
        incident_id, outcome = await _resolve(session, batch, event, key)
    batch.rows.append(_alert_row(event, key, incident_id, outcome))


async def _trigger(session: AsyncSession, batch: _Batch, event: Alert, key: str) -> tuple[uuid.UUID, str]:
    payload = event.data.payload
    assert payload is not None
    holder = batch.holders.get(key)
    if holder is not None:
        _attach(batch, holder, key, event.time)
        return holder, "attached"
    rule = _rule_key(event)
    if rule is not None and rule in batch.storms:
        storm_id = batch.storms[rule]
        _add_key(batch, storm_id, key, payload.source, event.time)
        return storm_id, "joined_storm"
    if rule is not None:
        hosts = batch.recent_hosts.setdefault(rule, {})
        hosts[payload.source] = event.time
        window_start = event.time - _window(batch.settings)
        in_window = sorted(host for host, seen in hosts.items() if seen >= window_start)
        if len(in_window) >= batch.settings.storm_host_threshold:
            storm_id = await _open_storm(session, batch, event, rule, in_window, window_start)
            _add_key(batch, storm_id, key, payload.source, event.time)
            return storm_id, "opened_storm"
    draft = _draft_for_alert(batch, event)
    batch.drafts.append(draft)
    _add_key(batch, draft.id, key, payload.source, event.time, counted=True)
    return draft.id, "opened"


def _attach(batch: _Batch, incident_id: uuid.UUID, key: str, at: datetime) -> None:
    for attached in (batch.attached[incident_id], batch.keys_attached[key]):
        attached.count += 1
        attached.last_seen = max(attached.last_seen or at, at)


def _add_key(
    batch: _Batch, incident_id: uuid.UUID, key: str, host: str, at: datetime, *, counted: bool = False
) -> None:
    """The key is now held by the incident; `counted`: the incident's row counts the alert already."""
    batch.new_keys.append(
        {
            "incident_id": incident_id,
            "correlation_key": key,
            "host": host,
            "alert_count": 1,
            "first_seen_at": at,
            "last_seen_at": at,
        }
    )
    batch.holders[key] = incident_id
    if not counted:
        attached = batch.attached[incident_id]
        attached.count += 1
        attached.last_seen = max(attached.last_seen or at, at)


def _draft_for_alert(batch: _Batch, event: Alert) -> Draft:
    payload = event.data.payload
    assert payload is not None
    facts = batch.facts.get(payload.source.strip().lower(), HostFacts())
    signal = Signal(
        severity=payload.severity,
        source=event.source,
        rule=payload.rule,
        component=payload.component,
        alert_class=payload.class_,
        host_count=1,
    )
    return Draft(
        title=payload.summary,
        enrichment=enrich(signal, facts, batch.settings),
        values={
            "severity": payload.severity,
            "source": event.source,
            "host": payload.source,
            "rule": payload.rule,
            "alert_count": 1,
            "host_count": 1,
            "first_seen_at": event.time,
            "last_seen_at": event.time,
            "tenant_id": facts.tenant_id,
            "host_group_id": facts.host_group_id,
        },
        at=event.time,
        summary=f"Opened by an alert from {event.source} on {payload.source}",
    )


async def _open_storm(
    session: AsyncSession,
    batch: _Batch,
    event: Alert,
    rule: RuleKey,
    hosts: list[str],
    window_start: datetime,
) -> uuid.UUID:
    """One storm incident for the rule, which gathers the rule's open incidents opened in the window:
    their keys move to it and they are closed as gathered."""
    await _flush(session, batch)
    payload = event.data.payload
    assert payload is not None
    c = incidents.c
    gathered = list(
        await session.execute(
            select(c.id, c.number, c.severity, c.alert_count).where(
                c.source == rule[0],
                c.rule == rule[1],
                ~c.is_storm,
                c.status.in_(store.OPEN_STATUSES),
                c.created_at >= window_start,
            )
        )
    )
    severity = _worst([payload.severity, *(row.severity for row in gathered)])
    signal = Signal(
        severity=severity,
        source=event.source,
        rule=payload.rule,
        component=payload.component,
        alert_class=payload.class_,
        host_count=len(hosts),
    )
    storm = await incidents_service.open_incident(
        session,
        Draft(
            title=f"Storm: {payload.rule} on {len(hosts)} hosts",
            enrichment=enrich(signal, HostFacts(), batch.settings),
            values={
                "severity": severity,
                "source": event.source,
                "rule": payload.rule,
                "is_storm": True,
                "alert_count": sum(row.alert_count for row in gathered),
                "host_count": len(hosts),
                "first_seen_at": min(
                    seen for seen in batch.recent_hosts[rule].values() if seen >= window_start
                ),
                "last_seen_at": event.time,
            },
            at=event.time,
            summary=f"Storm: {payload.rule} fired on {len(hosts)} hosts "
            f"within {batch.settings.storm_window_minutes} minutes",
        ),
    )
    batch.storms[rule] = storm.id
    for row in gathered:
        await session.execute(
            update(incident_keys)
            .where(incident_keys.c.incident_id == row.id, incident_keys.c.active)
            .values(incident_id=storm.id)
        )
        for key, holder in list(batch.holders.items()):
            if holder == row.id:
                batch.holders[key] = storm.id
        await incidents_service.close(
            session,
            row.id,
            now=event.time,
            summary=f"Gathered into storm {storm.number}",
            values={"storm_id": storm.id, "resolution_code": "duplicate"},
        )
        await store.timeline(
            session,
            storm.id,
            kind="storm",
            summary=f"Gathered {row.number}",
            at=event.time,
            details={"incident_id": str(row.id)},
        )
    return storm.id


def _worst(severities: list[AlertSeverity]) -> AlertSeverity:
    return min(severities, key=SEVERITIES.index)


async def _acknowledge(
    session: AsyncSession, batch: _Batch, event: Alert, key: str
) -> tuple[uuid.UUID | None, str]:
    holder = batch.holders.get(key)
    if holder is None:
        return None, "ignored"
    await _flush(session, batch)
    row = await store.load(session, holder)
    if row.status != "open":
        return holder, "ignored"
    await incidents_service.acknowledge(session, holder, actor=None, now=event.time, by=event.source)
    return holder, "acknowledged"


async def _resolve(
    session: AsyncSession, batch: _Batch, event: Alert, key: str
) -> tuple[uuid.UUID | None, str]:
    holder = batch.holders.get(key)
    if holder is None:
        return None, "ignored"
    await _flush(session, batch)
    await session.execute(
        update(incident_keys)
        .where(incident_keys.c.correlation_key == key, incident_keys.c.active)
        .values(state="resolved")
    )
    still_triggered = (
        await session.execute(
            select(func.count())
            .select_from(incident_keys)
            .where(
                incident_keys.c.incident_id == holder,
                incident_keys.c.active,
                incident_keys.c.state == "triggered",
            )
        )
    ).scalar_one()
    if still_triggered:
        return holder, "resolved_key"
    await incidents_service.resolve(
        session,
        holder,
        actor=None,
        code="resolved",
        notes=f"Resolved by {event.source}",
        now=event.time,
        by=event.source,
    )
    for held, incident_id in list(batch.holders.items()):
        if incident_id == holder:
            del batch.holders[held]
    return holder, "resolved"


async def _flush(session: AsyncSession, batch: _Batch) -> None:
    """What the batch decided so far, written: new incidents, then the keys, then the counts."""
    if batch.drafts:
        await incidents_service.open_incidents(session, batch.drafts)
        batch.drafts.clear()
    if batch.new_keys:
        await _write_keys(session, batch.new_keys)
        batch.new_keys.clear()
    await _flush_attached(session, batch)


async def _flush_attached(session: AsyncSession, batch: _Batch) -> None:
    """The counts and last-seen times of this batch's attachments so far, one statement each for the
    incidents and their keys; a storm's host count follows its keys."""
    connection = await driver_connection(session)
    if batch.attached:
        await connection.execute(
            _ADD_TO_INCIDENTS,
            list(batch.attached),
            [each.count for each in batch.attached.values()],
            [each.last_seen for each in batch.attached.values()],
        )
        storms = [incident_id for incident_id in batch.attached if incident_id in batch.storms.values()]
        if storms:
            await connection.execute(_COUNT_STORM_HOSTS, storms)
        batch.attached.clear()
    if batch.keys_attached:
        await connection.execute(
            _ADD_TO_KEYS,
            list(batch.keys_attached),
            [each.count for each in batch.keys_attached.values()],
            [each.last_seen for each in batch.keys_attached.values()],
        )
        batch.keys_attached.clear()


# The statements of every batch, straight to the driver with one array per column: through SQLAlchemy
# a many-row VALUES is compiled anew for each batch size, and each parameter costs (`make bench-alerts`).
_HOLDERS = """
SELECT correlation_key, incident_id FROM incident_keys WHERE active AND correlation_key = ANY($1::text[])
"""
_ADD_TO_INCIDENTS = """
UPDATE incidents SET alert_count = incidents.alert_count + added.count,
       last_seen_at = greatest(incidents.last_seen_at, added.last_seen),
       updated_at = greatest(incidents.updated_at, added.last_seen)
FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS added(id, count, last_seen)
WHERE incidents.id = added.id
"""
_COUNT_STORM_HOSTS = """
UPDATE incidents SET host_count = (
    SELECT count(DISTINCT host) FROM incident_keys WHERE incident_keys.incident_id = incidents.id
) WHERE id = ANY($1::uuid[])
"""
_ADD_TO_KEYS = """
UPDATE incident_keys SET alert_count = incident_keys.alert_count + added.count, state = 'triggered',
       last_seen_at = greatest(incident_keys.last_seen_at, added.last_seen)
FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS added(key, count, last_seen)
WHERE incident_keys.correlation_key = added.key AND incident_keys.active
"""
_INSERT_ALERTS = """
INSERT INTO alerts (id, incident_id, source, action, correlation_key, dedup_key, host, rule, severity,
                    summary, payload, occurred_at, received_at, outcome)
SELECT id, incident_id, source, action, correlation_key, dedup_key, host, rule, severity, summary,
       payload::jsonb, occurred_at, received_at, outcome
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
            $14::text[])
     AS given(id, incident_id, source, action, correlation_key, dedup_key, host, rule, severity, summary,
              payload, occurred_at, received_at, outcome)
ON CONFLICT (id) DO NOTHING
"""
_ALERT_COLUMNS = (
    "id", "incident_id", "source", "action", "correlation_key", "dedup_key", "host", "rule", "severity",
    "summary", "payload", "occurred_at", "received_at", "outcome",
)  # fmt: skip
_INSERT_KEYS = """
INSERT INTO incident_keys (incident_id, correlation_key, host, alert_count, first_seen_at, last_seen_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[])
"""
_KEY_COLUMNS = ("incident_id", "correlation_key", "host", "alert_count", "first_seen_at", "last_seen_at")


async def _write_alerts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection = await driver_connection(session)
        await connection.execute(_INSERT_ALERTS, *([row[name] for row in rows] for name in _ALERT_COLUMNS))


async def _write_keys(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    connection = await driver_connection(session)
    await connection.execute(_INSERT_KEYS, *([row[name] for row in rows] for name in _KEY_COLUMNS))


def _alert_row(event: Alert, key: str, incident_id: uuid.UUID | None, outcome: str) -> dict[str, Any]:
    payload = event.data.payload
    return {
        "id": event.id,
        "incident_id": incident_id,
        "source": event.source,
        "action": event.data.event_action,
        "correlation_key": key,
        "dedup_key": event.data.dedup_key,
        "host": payload.source if payload else None,
        "rule": payload.rule if payload else None,
        "severity": payload.severity if payload else None,
        "summary": payload.summary if payload else f"{event.data.event_action} from {event.source}",
        "payload": payload.model_dump_json(by_alias=True) if payload else None,
        "occurred_at": payload.timestamp if payload else None,
        "received_at": event.time,
        "outcome": outcome,
    }
