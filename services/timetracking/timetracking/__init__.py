"""The timetracking service."""
