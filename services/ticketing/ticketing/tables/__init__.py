"""Tables of the `ticketing` schema, one module per domain; the outbox, inbox and dead letters come
from helpdesk_common. Importing the package loads every module, so `metadata` knows every table."""

from helpdesk_common.idempotency import idempotency_keys
from ticketing.tables import (  # noqa: F401  (each module adds its tables to the metadata)
    attachments,
    comments,
    contacts,
    customers,
    departments,
    labels,
    projections,
    settings,
    templates,
    tickets,
)
from ticketing.tables.metadata import metadata

# The shared table of retried creations, which this schema holds too (migration 0010).
idempotency_keys.to_metadata(metadata)

__all__ = ["metadata"]
