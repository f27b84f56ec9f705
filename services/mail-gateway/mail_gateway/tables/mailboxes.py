"""Department mailboxes (IMAP and SMTP settings, secrets encrypted), their health, and the
departments and settings ticketing publishes."""

from mail_gateway.tables.metadata import metadata  # noqa: F401
