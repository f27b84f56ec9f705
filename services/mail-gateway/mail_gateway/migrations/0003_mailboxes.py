"""Department mailboxes (settings, sealed secrets, lease, health) and the copies of ticketing's
departments and module settings, as tables/mailboxes.py declared them when this revision was written.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _text(name: str, default: str = "") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Text(), server_default=default, nullable=False)


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("department_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        _text("auth_method", "password"),
        _text("imap_host"),
        sa.Column("imap_port", sa.Integer(), server_default=sa.text("993"), nullable=False),
        _text("imap_tls", "implicit"),
        _text("imap_username"),
        sa.Column("imap_password_sealed", sa.LargeBinary()),
        _text("imap_folder", "INBOX"),
        _text("smtp_host"),
        sa.Column("smtp_port", sa.Integer(), server_default=sa.text("465"), nullable=False),
        _text("smtp_tls", "implicit"),
        _text("smtp_username"),
        sa.Column("smtp_password_sealed", sa.LargeBinary()),
        _text("oauth_token_endpoint"),
        _text("oauth_client_id"),
        sa.Column("oauth_client_secret_sealed", sa.LargeBinary()),
        sa.Column("oauth_refresh_token_sealed", sa.LargeBinary()),
        _text("oauth_scope"),
        _text("oauth_mechanism", "XOAUTH2"),
        _text("from_address"),
        _text("from_name"),
        sa.Column("auto_reply_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _text("auto_reply_subject"),
        _text("auto_reply_body_html"),
        sa.Column("follow_up_enabled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("follow_up_after_days", sa.Integer(), server_default=sa.text("3"), nullable=False),
        _text("follow_up_subject"),
        _text("follow_up_body_html"),
        sa.Column("lease_holder", sa.Text()),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True)),
        sa.Column("last_poll_at", sa.DateTime(timezone=True)),
        sa.Column("last_success_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
        sa.Column("messages_waiting", sa.Integer()),
        sa.Column("credentials_failing", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("auth_method IN ('password', 'oauth2')", name="mailboxes_auth_method"),
        sa.CheckConstraint("imap_tls IN ('implicit', 'starttls', 'none')", name="mailboxes_imap_tls"),
        sa.CheckConstraint("smtp_tls IN ('implicit', 'starttls', 'none')", name="mailboxes_smtp_tls"),
        sa.CheckConstraint("oauth_mechanism IN ('XOAUTH2', 'OAUTHBEARER')", name="mailboxes_oauth_mechanism"),
        sa.CheckConstraint("follow_up_after_days > 0", name="mailboxes_follow_up_after_days"),
        sa.PrimaryKeyConstraint("department_id"),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "module_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_system_enabled", sa.Boolean(), nullable=False),
        sa.Column("blocked_extensions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="module_settings_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("module_settings")
    op.drop_table("departments")
    op.drop_table("mailboxes")
