"""The copies of other services' records the notifier keeps: ticketing's departments (a webhook
belongs to one; {{department}} names it; one sends the incident e-mails) and the Ticket System switch
(it gates the webhook API), the mark that those from before the TICKETING stream's two weeks were
learnt (projections.py), and the gateway's operators (an incident's assignee is written to at their
address)."""

from sqlalchemy import Boolean, Column, Table, Text
from sqlalchemy.dialects.postgresql import UUID

from helpdesk_common.projections.departments import departments_table
from helpdesk_common.projections.module_switch import module_switch_table
from helpdesk_common.projections.records_bootstrap import records_bootstrap_table
from notifier.tables.metadata import metadata

departments = departments_table(metadata)
module_switch = module_switch_table(metadata)
# One row once ticketing's departments and switch from before the TICKETING stream's two weeks were
# learnt from its states (the shared records bootstrap): a service without it learns them.
records_bootstrap = records_bootstrap_table(metadata)
# The shape of every service's copy of the gateway's operators (ticketing's, the itsm service's).
operators = Table(
    "operators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("default_department_id", UUID(as_uuid=True)),
)
