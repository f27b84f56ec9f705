"""Tables of the `identity` schema: operators, roles, permission flags, sessions, API tokens, sign-in
throttles, and the department memberships ticketing publishes. The outbox, inbox and dead letters
come from helpdesk_common."""

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

login_throttles = Table(
    "login_throttles",
    metadata,
    # "user:<lower(username)>" or "address:<ip>"; unknown usernames are throttled exactly like
    # known ones, so a lockout tells an attacker nothing about which accounts exist.
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
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
