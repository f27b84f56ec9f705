"""The outbox, inbox and dead-letter tables that every service keeps in its own schema, as the code
uses them; the revisions of `helpdesk_common/migrations/messaging/` build them (a change to a table
here is a new revision there).

Names are unqualified: each service's connection has its schema on the search path, so the same
definitions serve every service.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Published outbox rows kept until JetStream has surely written them to disk, when the relay runs
# with a retention (a single NATS that fsyncs on an interval rather than at every write): one row per
# published batch, so keeping them costs one insert per batch rather than a write per event.
outbox_retained = Table(
    "outbox_retained",
    messaging_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("event_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("subjects", ARRAY(Text), nullable=False),
    Column("payloads", ARRAY(LargeBinary), nullable=False),
    Column("headers", ARRAY(Text), nullable=False),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "event_id"),
)
Index("inbox_handled_at", inbox.c.handled_at)

dead_letters = Table(
    "dead_letters",
    messaging_metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("consumer", Text, nullable=False),
    Column("stream", Text, nullable=False),
    Column("stream_sequence", BigInteger, nullable=False),
    Column("subject", Text, nullable=False),
    Column("event_id", Text),
    Column("event_type", Text),
    Column("reason", Text, nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("consumer", "stream", "stream_sequence"),
)
