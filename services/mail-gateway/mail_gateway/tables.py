"""Tables of the `mail_gateway` schema (department mailboxes, UID cursors, the message-id map,
auto-reply and follow-up settings); the outbox, inbox and dead letters come from
helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
