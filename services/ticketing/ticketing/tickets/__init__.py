"""Tickets: creation, numbering, details, lifecycle, assignment, visibility, the queue."""
