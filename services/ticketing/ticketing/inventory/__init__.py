"""Tenants and devices: ticketing's projection of an external inventory (RMM), fed by events and imports."""
