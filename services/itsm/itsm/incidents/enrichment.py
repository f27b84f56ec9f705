"""Enrichment at creation (seed "Incident Fields"): each value with where it came from, so that an
operator can tell a priority the matrix gave from one a person set. docs/itsm.md, "Enrichment"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from helpdesk_common.contracts.alerts import AlertSeverity
from helpdesk_common.contracts.itsm import IncidentPriority, Level
from itsm.inventory.service import HostFacts
from itsm.settings.matrix import (
    IMPACT_BY_SEVERITY,
    RAISING_CRITICALITIES,
    RAISING_HOST_COUNT,
    URGENCY_BY_SEVERITY,
    priority,
    raised,
)
from itsm.settings.service import ItsmSettings


@dataclass(frozen=True)
class Signal:
    """What the incident is opened from: an alert's fields, or what an operator typed."""

    severity: AlertSeverity
    source: str | None = None
    rule: str | None = None
    component: str | None = None
    alert_class: str | None = None
    host_count: int = 1


@dataclass
class Enrichment:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, dict[str, Any]] = field(default_factory=dict)

    def set(self, name: str, value: Any, origin: str) -> None:
        self.values[name] = value
        self.origins[name] = {
            "value": str(value) if isinstance(value, uuid.UUID) else value,
            "origin": origin,
        }


def enrich(
    signal: Signal,
    facts: HostFacts,
    settings: ItsmSettings,
    *,
    impact: Level | None = None,
    urgency: Level | None = None,
    set_by: str | None = None,
) -> Enrichment:
    """`impact` and `urgency` given by an operator (`set_by`) win over the severity's."""
    result = Enrichment()
    _category(result, signal)
    if urgency is not None:
        result.set("urgency", urgency, f"set by {set_by}")
    else:
        result.set("urgency", URGENCY_BY_SEVERITY[signal.severity], f"severity {signal.severity}")
    if impact is not None:
        result.set("impact", impact, f"set by {set_by}")
    else:
        _impact(result, signal, facts)
    chosen: IncidentPriority = priority(
        settings.priority_matrix, result.values["impact"], result.values["urgency"]
    )
    result.set(
        "priority",
        chosen,
        f"ITIL matrix: impact {result.values['impact']}, urgency {result.values['urgency']}",
    )
    _sla(result, facts, settings)
    _escalation_policy(result, facts, settings)
    return result


def _category(result: Enrichment, signal: Signal) -> None:
    if signal.alert_class:
        result.set("category", signal.alert_class, "alert class (metric type)")
    elif signal.source:
        result.set("category", signal.source, "event source")
    if signal.component:
        result.set("subcategory", signal.component, "alert component")
    elif signal.rule:
        result.set("subcategory", signal.rule, "alert rule")


def _impact(result: Enrichment, signal: Signal, facts: HostFacts) -> None:
    level: Level = IMPACT_BY_SEVERITY[signal.severity]
    reasons = [f"severity {signal.severity}"]
    if signal.host_count >= RAISING_HOST_COUNT:
        level = raised(level)
        reasons.append(f"raised: {signal.host_count} hosts")
    if facts.criticality in RAISING_CRITICALITIES:
        level = raised(level)
        reasons.append(f"raised: host criticality {facts.criticality}")
    result.set("impact", level, "; ".join(reasons))


def _sla(result: Enrichment, facts: HostFacts, settings: ItsmSettings) -> None:
    if facts.group_sla_id is not None:
        result.set("sla_id", facts.group_sla_id, "host group SLA")
    elif facts.tenant_sla_id is not None:
        result.set("sla_id", facts.tenant_sla_id, "organisation default SLA")
    elif settings.default_sla_id is not None:
        result.set("sla_id", settings.default_sla_id, "account default SLA")


def _escalation_policy(result: Enrichment, facts: HostFacts, settings: ItsmSettings) -> None:
    if facts.tenant_escalation_policy_id is not None:
        result.set("escalation_policy_id", facts.tenant_escalation_policy_id, "organisation default policy")
    elif settings.default_escalation_policy_id is not None:
        result.set("escalation_policy_id", settings.default_escalation_policy_id, "account default policy")
