"""The copies of other services' records the notifier keeps: ticketing's departments (a webhook
belongs to one; {{department}} names it; one sends the incident e-mails) and the Ticket System switch
(it gates the webhook API), the mark that those from before the TICKETING stream's two weeks were
learnt (projections.py), and the gateway's operators (an incident's assignee is written to at their
address)."""

from helpdesk_common.projections.departments import departments_table
from helpdesk_common.projections.module_switch import module_switch_table
from helpdesk_common.projections.operators import operators_table
from helpdesk_common.projections.records_bootstrap import records_bootstrap_table
from notifier.tables.metadata import metadata

departments = departments_table(metadata)
module_switch = module_switch_table(metadata)
# One row once ticketing's departments and switch from before the TICKETING stream's two weeks were
# learnt from its states (the shared records bootstrap): a service without it learns them.
records_bootstrap = records_bootstrap_table(metadata)
# The gateway's operators, in the shape every service's copy has.
operators = operators_table(metadata)
