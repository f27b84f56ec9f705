"""The event catalogue as an AsyncAPI 3.0 document, generated from the contracts and the topology."""

from __future__ import annotations

from typing import Any

from helpdesk_common.bus.topology import CONSUMERS, STREAMS
from helpdesk_common.contracts.envelope import dataschema_uri
from helpdesk_common.contracts.registry import EVENT_CONTRACTS


def _channel_address(contract: Any) -> str:
    verb = getattr(contract, "subject_verb", contract.event_type)
    if contract.stream == "TICKET_EVENTS":
        return f"ticket.{verb}.{{department_id}}"
    return contract.channel()


def build_document(version: str = "0.1.0") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for event_type, contract in sorted(EVENT_CONTRACTS.items()):
        schema = contract.model_json_schema(mode="serialization", ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        schemas[contract.__name__] = schema
        messages[event_type] = {
            "name": event_type,
            "title": contract.__name__,
            "contentType": "application/json",
            "summary": (contract.__doc__ or event_type).strip().splitlines()[0],
            "headers": {
                "type": "object",
                "properties": {
                    "Nats-Msg-Id": {
                        "type": "string",
                        "description": "Equals the envelope id; JetStream drops duplicates.",
                    },
                    "traceparent": {"type": "string", "description": "W3C trace context of the change."},
                },
            },
            "payload": {"$ref": f"#/components/schemas/{contract.__name__}"},
            "x-dataschema": dataschema_uri(contract.event_type, contract.schema_version),
            "x-stream": contract.stream,
        }
        channel = {
            "address": _channel_address(contract),
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
        }
        if "{department_id}" in channel["address"]:
            channel["parameters"] = {"department_id": {"description": "Department of the ticket, or 'none'."}}
        channels[event_type] = channel
        operations[f"publish_{event_type}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{event_type}"},
            "summary": "Published through the producer's transactional outbox.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Helpdesk event catalogue",
            "version": version,
            "description": (
                "Every event is a CloudEvents-shaped JSON envelope published on NATS JetStream. "
                "Delivery is at least once on the wire and exactly once in effect (outbox + inbox)."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
        "x-streams": [{"name": s.name, "subjects": s.subjects, "retention": "limits"} for s in STREAMS],
        "x-consumers": [
            {"durable": c.durable, "stream": c.stream, "filter_subject": c.filter_subject}
            for c in CONSUMERS.values()
        ],
    }
