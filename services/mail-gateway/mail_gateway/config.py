"""The mail-gateway service's settings: the shared ones (`HELPDESK_*`), and its own beside them as it
grows (a field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from pydantic import Field

from helpdesk_common.config import HelpdeskSettings


class MailGatewaySettings(HelpdeskSettings):
    service_name: str = "mail-gateway"
    # Extra certificate authorities mail servers may present (an internal CA), beside the system's.
    mail_ca_file: str = ""
    # The poller (polling/): how long a mailbox's lease lasts unless renewed (a poller that died
    # holds its mailboxes this long), and how many mailboxes one poller holds at most.
    mail_lease_seconds: float = Field(default=30.0, gt=0)
    mail_poller_max_mailboxes: int = Field(default=200, gt=0)
    # Without IDLE the folder is polled this often; with it, IDLE is renewed this often (RFC 2177
    # asks for less than 29 minutes), which is also how soon a change of the mailbox's settings is
    # picked up.
    mail_poll_interval_seconds: float = Field(default=60.0, gt=0)
    mail_idle_seconds: float = Field(default=30.0, gt=0)
    # A failing mailbox is tried again after a delay that doubles up to this.
    mail_backoff_max_seconds: float = Field(default=300.0, gt=0)
    mail_backoff_base_seconds: float = Field(default=2.0, gt=0)
    # One fetch brings at most this many bytes (a larger message comes alone) and messages.
    mail_fetch_batch_bytes: int = Field(default=8_388_608, gt=0)
    mail_fetch_batch_messages: int = Field(default=200, gt=0)
    mail_imap_timeout_seconds: float = Field(default=60.0, gt=0)
