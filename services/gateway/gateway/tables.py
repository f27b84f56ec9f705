"""Tables of the `identity` schema: operators, roles, permission flags, sessions, API tokens, sign-in
throttles and the clients operators signed in from, and the department memberships ticketing
publishes. The outbox, inbox and dead letters come from helpdesk_common."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

metadata = MetaData()

operators = Table(
    "operators",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("default_department_id", UUID(as_uuid=True)),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("password_hash", Text, nullable=False),
    Column("flags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("operators_username_key", func.lower(operators.c.username), unique=True)
Index("operators_email_key", func.lower(operators.c.email), unique=True)

roles = Table(
    "roles",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("flags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("roles_name_key", func.lower(roles.c.name), unique=True)

operator_roles = Table(
    "operator_roles",
    metadata,
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("role_id", UUID(as_uuid=True), ForeignKey("roles.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("operator_id", "role_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("csrf_hash", Text, nullable=False),
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("address", Text),
    Column("user_agent", Text),
)
Index("sessions_operator", sessions.c.operator_id)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("prefix", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)
Index("api_tokens_operator", api_tokens.c.operator_id)

sign_in_throttles = Table(
    "sign_in_throttles",
    metadata,
    # "pair": a username from one address; "account": a username from clients it does not know;
    # "address": unknown usernames from one address; "device": a username from one known device.
    # Usernames are counted whether they exist or not, so a lock says nothing about which do.
    Column("scope", Text, nullable=False),
    Column("username", Text, nullable=False),
    # The address for "pair" and "address", the device token's digest for "device", else empty.
    Column("source", Text, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
    PrimaryKeyConstraint("scope", "username", "source"),
)
Index("sign_in_throttles_last_failure", sign_in_throttles.c.last_failure_at)

sign_in_devices = Table(
    "sign_in_devices",
    metadata,
    # A browser that signed in as the operator (the digest of its device cookie): it is let through
    # while the account is locked against clients it does not know (OWASP's device cookies).
    Column("token_hash", Text, nullable=False),
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("token_hash", "operator_id"),
)
Index("sign_in_devices_operator", sign_in_devices.c.operator_id)

sign_in_addresses = Table(
    "sign_in_addresses",
    metadata,
    # Addresses the operator signed in from, for clients that keep no cookie (scripts, API tools).
    Column("operator_id", UUID(as_uuid=True), ForeignKey("operators.id", ondelete="CASCADE"), nullable=False),
    Column("address", Text, nullable=False),
    Column("last_signed_in_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("operator_id", "address"),
)

department_memberships = Table(
    "department_memberships",
    metadata,
    # A projection of ticketing's department members (ticketing publishes them); it fills the
    # `departments` claim of the internal token.
    Column("operator_id", UUID(as_uuid=True), nullable=False),
    Column("department_id", UUID(as_uuid=True), nullable=False),
    PrimaryKeyConstraint("operator_id", "department_id"),
)
