"""Tables of the `itsm` schema (incidents, problems, changes, catalog, knowledge base, on-call);
the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
