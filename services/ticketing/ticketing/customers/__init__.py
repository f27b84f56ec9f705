"""Customers: the companies tickets are for, with their tenant, SLA and ticket-number prefix."""
