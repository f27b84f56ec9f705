"""A webhook's body template (seed 10.16): the ten placeholders, the default body a new webhook
starts with, and their substitution. A value is filled in JSON-escaped (without the quotes around
it), so a subject with quotes, line breaks or any character still leaves a template whose
placeholders sit inside strings valid JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

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


def unknown_placeholders(template: str) -> list[str]:
    return [name for name in PLACEHOLDER.findall(template) if name not in PLACEHOLDERS]


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with each placeholder replaced by its value, escaped as inside a JSON string."""
    return PLACEHOLDER.sub(lambda match: _escaped(values.get(match.group(1), "")), template)


def body_refusal(template: str) -> str | None:
    """Why a body template cannot be saved (an unknown placeholder, or not JSON once filled in with
    the sample values), or None. An empty body is allowed: a GET carries none."""
    if not template.strip():
        return None
    unknown = unknown_placeholders(template)
    if unknown:
        return f"Unknown placeholder {{{{{unknown[0]}}}}}: the placeholders are " + ", ".join(
            f"{{{{{name}}}}}" for name in PLACEHOLDERS
        )
    try:
        json.loads(render(template, SAMPLE_VALUES))
    except ValueError as error:
        return f"Not JSON once the placeholders are filled in with sample values: {error}"
    return None


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]
