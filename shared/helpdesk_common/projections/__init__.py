"""Copies of another service's records that a service keeps from their events (its own table, its own
consumer), so it can answer without calling that service: ticketing's departments (departments.py)."""
