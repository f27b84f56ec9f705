"""Which event types and versions exist, and turning bytes from the bus back into one of them."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from helpdesk_common.contracts.alerts import ALERT_EVENTS
from helpdesk_common.contracts.envelope import ContractViolation, EventEnvelope, dataschema_uri
from helpdesk_common.contracts.identity import IDENTITY_EVENTS
from helpdesk_common.contracts.inventory import INVENTORY_EVENTS
from helpdesk_common.contracts.itsm import INCIDENT_EVENTS
from helpdesk_common.contracts.mail import MAIL_EVENTS
from helpdesk_common.contracts.sla import SLA_EVENTS
from helpdesk_common.contracts.ticketing import TICKETING_EVENTS
from helpdesk_common.contracts.tickets import TICKET_EVENTS
from helpdesk_common.contracts.time import TIME_EVENTS

EVENT_CONTRACTS: dict[str, type[EventEnvelope[Any]]] = {
    contract.event_type: contract
    for contract in (
        *TICKET_EVENTS,
        *IDENTITY_EVENTS,
        *TICKETING_EVENTS,
        *SLA_EVENTS,
        *MAIL_EVENTS,
        *INVENTORY_EVENTS,
        *TIME_EVENTS,
        *INCIDENT_EVENTS,
        *ALERT_EVENTS,
    )
}


def parse_event(payload: bytes) -> EventEnvelope[Any]:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise ContractViolation(f"not JSON: {error}") from error
    if not isinstance(document, dict):
        raise ContractViolation("not a JSON object")
    event_type = document.get("type")
    contract = EVENT_CONTRACTS.get(event_type) if isinstance(event_type, str) else None
    if contract is None:
        raise ContractViolation(f"unknown event type {event_type!r}")
    expected_schema = dataschema_uri(contract.event_type, contract.schema_version)
    if document.get("dataschema") != expected_schema:
        raise ContractViolation(
            f"unknown version {document.get('dataschema')!r} of {event_type} (expected {expected_schema})"
        )
    try:
        return contract.model_validate(document)
    except ValidationError as error:
        raise ContractViolation(f"{event_type} does not match its schema: {error}") from error
