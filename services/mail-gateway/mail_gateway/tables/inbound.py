"""Raw inbound messages as fetched (from IMAP with their UIDVALIDITY/UID cursor, or imported from a
file), the Message-ID map, and the parse state."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID

from mail_gateway.tables.metadata import metadata

# The bytes stay here whole whatever becomes of them: a message the parser fails on is kept for the
# administrator's retry, and the poller's UIDVALIDITY re-sync finds what it already has by Message-ID.
inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("department_id", UUID(as_uuid=True), nullable=False),
    Column("source", Text, nullable=False),
    Column("uidvalidity", BigInteger),
    Column("uid", BigInteger),
    Column("file_name", Text),
    Column("raw", LargeBinary, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", LargeBinary, nullable=False),
    # From a cheap scan of the header block at store time; the parser's own reading may differ.
    Column("message_id", Text),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("state", Text, nullable=False, server_default="stored"),
    Column("error", Text),
    Column("parse_attempts", Integer, nullable=False, server_default="0"),
    Column("parsed_at", DateTime(timezone=True)),
    CheckConstraint("source IN ('imap', 'import')", name="inbound_messages_source"),
    CheckConstraint("state IN ('stored', 'parsed', 'failed')", name="inbound_messages_state"),
    CheckConstraint(
        "source <> 'imap' OR (uidvalidity IS NOT NULL AND uid IS NOT NULL)",
        name="inbound_messages_imap_cursor",
    ),
    # A refetch of the same UID is a no-op.
    UniqueConstraint("department_id", "uidvalidity", "uid", name="inbound_messages_imap_uid"),
)
# Importing the same file twice stores nothing twice.
Index(
    "inbound_messages_import_sha256",
    inbound_messages.c.department_id,
    inbound_messages.c.sha256,
    unique=True,
    postgresql_where=inbound_messages.c.source == "import",
)
Index("inbound_messages_message_id", inbound_messages.c.department_id, inbound_messages.c.message_id)
# The administrators' list of failed messages of a department, newest first.
Index(
    "inbound_messages_failed",
    inbound_messages.c.department_id,
    inbound_messages.c.received_at,
    postgresql_where=inbound_messages.c.state == "failed",
)
