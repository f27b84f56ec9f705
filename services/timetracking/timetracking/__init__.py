"""The timetracking service (schema `timetracking`)."""
