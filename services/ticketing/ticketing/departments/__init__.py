"""Departments: the organisational unit of the ticket system, its members and its cleanup rules."""
