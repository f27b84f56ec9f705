"""Tables of the `mail` schema, one module per domain (mailboxes and what ticketing tells us;
inbound raw messages and their parsing; outbound deliveries); the outbox, inbox and dead letters
come from helpdesk_common. Importing the package loads every module, so `metadata` knows every
table. A change here is a new revision in migrations/ as well (docs/architecture.md, "Migrations")."""

from mail_gateway.tables import inbound, mailboxes, outbound, replies  # noqa: F401  (each adds its tables)
from mail_gateway.tables.metadata import metadata

__all__ = ["metadata"]
