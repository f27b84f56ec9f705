"""Ticketing's copies of other services' records: operators (gateway, through the shared
`helpdesk_common.projections.operators`) and SLA definitions (SLA engine)."""
