"""Event contracts: the envelope every event travels in and the pydantic models of each event."""

from helpdesk_common.contracts.envelope import ContractViolation, EventEnvelope
from helpdesk_common.contracts.identity import OperatorRemoved, OperatorUpserted
from helpdesk_common.contracts.registry import EVENT_CONTRACTS, parse_event
from helpdesk_common.contracts.tickets import (
    AutoClosed,
    CommentAdded,
    SlaBreached,
    SlaWarning,
    TicketAssigned,
    TicketClosed,
    TicketCreated,
    TicketDeleted,
    TicketUpdated,
)

__all__ = [
    "EVENT_CONTRACTS",
    "AutoClosed",
    "CommentAdded",
    "ContractViolation",
    "EventEnvelope",
    "OperatorRemoved",
    "OperatorUpserted",
    "SlaBreached",
    "SlaWarning",
    "TicketAssigned",
    "TicketClosed",
    "TicketCreated",
    "TicketDeleted",
    "TicketUpdated",
    "parse_event",
]
