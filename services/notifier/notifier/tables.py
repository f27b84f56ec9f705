"""Tables of the `notifier` schema (notification settings, webhooks, the delivery log, live
updates); the outbox, inbox and dead letters come from helpdesk_common.
"""

from sqlalchemy import MetaData

metadata = MetaData()
