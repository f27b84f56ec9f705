"""Department mailboxes (IMAP and SMTP settings, secrets encrypted), who polls each (the lease) and
its health, and the departments and module settings ticketing publishes."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from helpdesk_common.projections.departments import departments_table
from helpdesk_common.projections.module_switch import module_switch_table
from helpdesk_common.projections.records_bootstrap import records_bootstrap_table
from mail_gateway.tables.metadata import metadata

# One per department (seed 10.10: "email ingestion is per department"). Columns ending in _sealed
# hold helpdesk_common.secrets ciphertext, never plain text.
mailboxes = Table(
    "mailboxes",
    metadata,
    Column("department_id", UUID(as_uuid=True), primary_key=True),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("auth_method", Text, nullable=False, server_default="password"),
    Column("imap_host", Text, nullable=False, server_default=""),
    Column("imap_port", Integer, nullable=False, server_default=text("993")),
    Column("imap_tls", Text, nullable=False, server_default="implicit"),
    Column("imap_username", Text, nullable=False, server_default=""),
    Column("imap_password_sealed", LargeBinary),
    Column("imap_folder", Text, nullable=False, server_default="INBOX"),
    Column("smtp_host", Text, nullable=False, server_default=""),
    Column("smtp_port", Integer, nullable=False, server_default=text("465")),
    Column("smtp_tls", Text, nullable=False, server_default="implicit"),
    Column("smtp_username", Text, nullable=False, server_default=""),
    Column("smtp_password_sealed", LargeBinary),
    # OAuth2 (auth_method 'oauth2'): one refresh token serves both IMAP and SMTP, as with
    # Microsoft 365 and Gmail.
    Column("oauth_token_endpoint", Text, nullable=False, server_default=""),
    Column("oauth_client_id", Text, nullable=False, server_default=""),
    Column("oauth_client_secret_sealed", LargeBinary),
    Column("oauth_refresh_token_sealed", LargeBinary),
    Column("oauth_scope", Text, nullable=False, server_default=""),
    Column("oauth_mechanism", Text, nullable=False, server_default="XOAUTH2"),
    Column("from_address", Text, nullable=False, server_default=""),
    Column("from_name", Text, nullable=False, server_default=""),
    Column("auto_reply_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("auto_reply_subject", Text, nullable=False, server_default=""),
    Column("auto_reply_body_html", Text, nullable=False, server_default=""),
    Column("follow_up_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("follow_up_after_days", Integer, nullable=False, server_default=text("3")),
    Column("follow_up_subject", Text, nullable=False, server_default=""),
    Column("follow_up_body_html", Text, nullable=False, server_default=""),
    # The poller holding the mailbox and until when (polling/lease.py): another poller takes it
    # over once it has expired.
    Column("lease_holder", Text),
    Column("lease_expires_at", DateTime(timezone=True)),
    # The poller's cursor in imap_folder (migration 0006): the folder's UIDVALIDITY and the highest UID
    # stored, written in the transaction that stores the raw messages up to it.
    Column("imap_uidvalidity", BigInteger),
    Column("imap_last_uid", BigInteger, nullable=False, server_default=text("0")),
    # Health, written by the poller and read by administrators.
    Column("last_poll_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("last_error_at", DateTime(timezone=True)),
    Column("messages_waiting", Integer),
    Column("credentials_failing", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("auth_method IN ('password', 'oauth2')", name="mailboxes_auth_method"),
    CheckConstraint("imap_tls IN ('implicit', 'starttls', 'none')", name="mailboxes_imap_tls"),
    CheckConstraint("smtp_tls IN ('implicit', 'starttls', 'none')", name="mailboxes_smtp_tls"),
    CheckConstraint("oauth_mechanism IN ('XOAUTH2', 'OAUTHBEARER')", name="mailboxes_oauth_mechanism"),
    CheckConstraint("follow_up_after_days > 0", name="mailboxes_follow_up_after_days"),
)

# The pollers alive (migration 0006): each says so on every lease round, so that one holding no
# mailbox yet still counts when the mailboxes are shared out (polling/lease.py).
pollers = Table(
    "pollers",
    metadata,
    Column("holder", Text, primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Ticketing's departments (helpdesk_common/projections/departments.py), tombstones included.
departments = departments_table(metadata)

# Ticketing's module settings as its `ticket_settings_changed` events last described them: the
# parser strips the blocked extensions (seed 10.2).
module_settings = module_switch_table(
    metadata, "module_settings", Column("blocked_extensions", ARRAY(Text), nullable=False)
)
# One row once ticketing's departments and switch from before the TICKETING stream's two weeks were
# learnt from its states (the shared records bootstrap): a service without it learns them.
records_bootstrap = records_bootstrap_table(metadata)
