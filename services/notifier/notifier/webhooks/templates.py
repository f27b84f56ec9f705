"""A webhook's body template (seed 10.16): the placeholders of its scope (the ten of a department's
ticket events, or an ITSM webhook's incident ones), the default body a new webhook starts with, and
their substitution. A value is filled in JSON-escaped (without the quotes around
it), so a subject with quotes, line breaks or any character still leaves a template whose
placeholders sit inside strings valid JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDERS = (
    "ticket_number",
    "subject",
    "status",
    "priority",
    "assigned_to",
    "customer",
    "department",
    "event",
    "timestamp",
    "url",
)
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")

# Seed 10.16's default body, in its order.
DEFAULT_BODY = """{
  "event": "{{event}}",
  "ticket_number": "{{ticket_number}}",
  "subject": "{{subject}}",
  "status": "{{status}}",
  "priority": "{{priority}}",
  "assigned_to": "{{assigned_to}}",
  "customer": "{{customer}}",
  "department": "{{department}}",
  "timestamp": "{{timestamp}}",
  "url": "{{url}}"
}"""

SAMPLE_VALUES: dict[str, str] = {
    "ticket_number": "TKT-1001",
    "subject": 'Sample ticket: "printer" on fire\nsecond line',
    "status": "open",
    "priority": "high",
    "assigned_to": "ada",
    "customer": "Example Customer",
    "department": "Support",
    "event": "ticket_created",
    "timestamp": "2026-01-01T12:00:00+00:00",
    "url": "https://helpdesk.example.com/tickets/TKT-1001",
}


# An ITSM webhook's, named as on the incident (IncidentSnapshot) where there is a field of the name.
INCIDENT_PLACEHOLDERS = (
    "incident_number",
    "title",
    "status",
    "priority",
    "severity",
    "impact",
    "urgency",
    "host",
    "source",
    "rule",
    "assigned_to",
    "assignment_group_id",
    "escalation_level",
    "resolution_code",
    "note",
    "event",
    "timestamp",
    "url",
)

INCIDENT_DEFAULT_BODY = """{
  "event": "{{event}}",
  "incident_number": "{{incident_number}}",
  "title": "{{title}}",
  "status": "{{status}}",
  "priority": "{{priority}}",
  "severity": "{{severity}}",
  "host": "{{host}}",
  "assigned_to": "{{assigned_to}}",
  "timestamp": "{{timestamp}}",
  "url": "{{url}}"
}"""

INCIDENT_SAMPLE_VALUES: dict[str, str] = {
    "incident_number": "INC-1001",
    "title": 'Sample incident: "disk" full\nsecond line',
    "status": "open",
    "priority": "P1",
    "severity": "critical",
    "impact": "high",
    "urgency": "high",
    "host": "db-01.example.com",
    "source": "prometheus",
    "rule": "DiskFull",
    "assigned_to": "ada",
    "assignment_group_id": "00000000-0000-0000-0000-000000000001",
    "escalation_level": "0",
    "resolution_code": "",
    "note": "",
    "event": "incident_created",
    "timestamp": "2026-01-01T12:00:00+00:00",
    "url": "https://helpdesk.example.com/incidents/5f0c2b6e-4a1d-4d8e-9c3b-2f7e8a9d1c42",
}


@dataclass(frozen=True)
class TemplateKind:
    """The placeholders a body may use, and the values a saved body is tried with."""

    placeholders: tuple[str, ...]
    sample_values: Mapping[str, str]


TICKET_TEMPLATES = TemplateKind(PLACEHOLDERS, SAMPLE_VALUES)
INCIDENT_TEMPLATES = TemplateKind(INCIDENT_PLACEHOLDERS, INCIDENT_SAMPLE_VALUES)


def unknown_placeholders(template: str, kind: TemplateKind = TICKET_TEMPLATES) -> list[str]:
    return [name for name in PLACEHOLDER.findall(template) if name not in kind.placeholders]


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value, escaped as inside a JSON string."""
    return PLACEHOLDER.sub(lambda match: _escaped(values.get(match.group(1), "")), template)


def body_refusal(template: str, kind: TemplateKind = TICKET_TEMPLATES) -> str | None:
    """Why a body template cannot be saved (an unknown placeholder, or not JSON once filled in with
    the sample values), or None. An empty body is allowed: a GET carries none."""
    if not template.strip():
        return None
    unknown = unknown_placeholders(template, kind)
    if unknown:
        return f"Unknown placeholder {{{{{unknown[0]}}}}}: the placeholders are " + ", ".join(
            f"{{{{{name}}}}}" for name in kind.placeholders
        )
    try:
        json.loads(render(template, kind.sample_values))
    except ValueError as error:
        return f"Not JSON once the placeholders are filled in with sample values: {error}"
    return None


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]
