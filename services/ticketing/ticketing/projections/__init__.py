"""Ticketing's copies of other services' records: operators (gateway) and SLA definitions (SLA engine)."""
