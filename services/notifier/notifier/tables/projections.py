"""The copies of ticketing's records the notifier keeps: its departments (a webhook belongs to one;
{{department}} names it) and the Ticket System switch (it gates the webhook API)."""

from helpdesk_common.projections.departments import departments_table
from helpdesk_common.projections.module_switch import module_switch_table
from notifier.tables.metadata import metadata

departments = departments_table(metadata)
module_switch = module_switch_table(metadata)
