"""The sla-engine service."""
