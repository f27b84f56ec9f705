"""Raw inbound messages as fetched, with their UIDVALIDITY/UID cursor, the Message-ID map, and
the parse state."""

from mail_gateway.tables.metadata import metadata  # noqa: F401
