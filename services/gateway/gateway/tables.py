"""Tables of the `gateway` schema (operators, password hashes, API tokens, sessions, permission
flags); the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
