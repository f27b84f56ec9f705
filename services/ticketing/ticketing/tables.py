"""Tables of the `ticketing` schema (tickets, comments, history, attachments, departments,
customers, contacts, templates, labels, types, settings); the outbox, inbox and dead letters
come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
