"""The live updates' tables: each ticket as the unread counter needs it, the mark that the tickets from
before the consumer were learnt from ticketing, and when each operator last opened a ticket. Declared on
the notifier's metadata; migrations/0006_live.py and 0007_live_tickets_bootstrap.py build them."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Table
from sqlalchemy.dialects.postgresql import UUID

from helpdesk_common.projections.ticket_bootstrap import ticket_bootstrap_table
from notifier.tables.metadata import metadata

# One row per ticket, kept from the ticket stream (live/projection.py). `attention_at` is the time of
# the last activity that asks for an operator's eye (the ticket arrived, or the customer wrote),
# `attention_by` the operator who caused it (who created the ticket), None for a customer.
live_tickets = Table(
    "live_tickets",
    metadata,
    Column("ticket_id", UUID(as_uuid=True), primary_key=True),
    Column("department_id", UUID(as_uuid=True)),
    Column("open", Boolean, nullable=False),
    Column("attention_at", DateTime(timezone=True)),
    Column("attention_by", UUID(as_uuid=True)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
Index("live_tickets_department", live_tickets.c.department_id)
# One row once the tickets from before the consumer existed were learnt from ticketing's ticket states
# (live/bootstrap.py).
live_tickets_bootstrap = ticket_bootstrap_table(metadata, "live_tickets_bootstrap")

# When an operator last had a ticket open: the ticket's attention_at as it was then (ticketing's clock,
# the same as the one it is compared with), so no clock of ours is compared with ticketing's.
live_reads = Table(
    "live_reads",
    metadata,
    Column("operator_id", UUID(as_uuid=True), primary_key=True),
    Column("ticket_id", UUID(as_uuid=True), primary_key=True),
    Column("read_up_to", DateTime(timezone=True), nullable=False),
)
