"""Outbound messages and their delivery state."""

from mail_gateway.tables.metadata import metadata  # noqa: F401
