"""Tables of the `mail` schema (department mailboxes, UID cursors, the message-id map, auto-reply and
follow-up settings); the outbox, inbox and dead letters come from helpdesk_common. A change here is
a new revision in migrations/ as well (docs/architecture.md, "Migrations").
"""

from sqlalchemy import MetaData

metadata = MetaData()
