"""ITIL's priority from impact and urgency, and the levels an alert's severity maps to (docs/itsm.md,
"Enrichment")."""

from __future__ import annotations

from typing import get_args

from helpdesk_common.contracts.alerts import AlertSeverity
from helpdesk_common.contracts.itsm import IncidentPriority, Level

LEVELS: tuple[Level, ...] = get_args(Level)
PRIORITIES: tuple[IncidentPriority, ...] = get_args(IncidentPriority)
# Impact first, then urgency: the usual 3x3 ITIL matrix folded onto four priorities.
DEFAULT_MATRIX: dict[Level, dict[Level, IncidentPriority]] = {
    "high": {"high": "P1", "medium": "P2", "low": "P3"},
    "medium": {"high": "P2", "medium": "P3", "low": "P4"},
    "low": {"high": "P3", "medium": "P4", "low": "P4"},
}
URGENCY_BY_SEVERITY: dict[AlertSeverity, Level] = {
    "critical": "high",
    "error": "high",
    "warning": "medium",
    "info": "low",
}
IMPACT_BY_SEVERITY: dict[AlertSeverity, Level] = {
    "critical": "high",
    "error": "medium",
    "warning": "low",
    "info": "low",
}
# A host of this criticality raises the impact a level; so does an incident on this many hosts.
RAISING_CRITICALITIES = frozenset({"high", "critical"})
RAISING_HOST_COUNT = 3

Matrix = dict[Level, dict[Level, IncidentPriority]]


def raised(level: Level) -> Level:
    return LEVELS[max(0, LEVELS.index(level) - 1)]


def priority(matrix: Matrix, impact: Level, urgency: Level) -> IncidentPriority:
    return matrix[impact][urgency]
