"""The mail-gateway service's settings: the shared ones (`HELPDESK_*`), and its own beside them (a
field `x` is read from `HELPDESK_X`)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from helpdesk_common.config import HelpdeskSettings

MIB = 1024 * 1024


class MailGatewaySettings(HelpdeskSettings):
    service_name: str = "mail-gateway"
    # The parser's limits: a message over any of them is kept whole as failed, for an administrator
    # to see and retry once the limit is raised. A 50 MB message (one large attachment, base64) fits.
    mail_max_message_bytes: int = 64 * MIB
    mail_max_attachment_bytes: int = 48 * MIB
    mail_max_attachments: int = 100
    # TLS mode `none` (and an http:// OAuth2 token endpoint) only where the deployment allows it
    # (HELPDESK_MAIL_ALLOW_PLAINTEXT): a password sent in clear is readable by anyone on the path.
    mail_allow_plaintext: bool = False
    # Auto-replies to one sender in 24 hours at most (replies/service.py): two autoresponders that
    # slipped past the Auto-Submitted checks stop after this many rounds.
    mail_auto_replies_per_sender: int = Field(default=5, ge=1)
    # How long a test action waits for a server before reporting that it did not answer.
    mail_test_timeout_seconds: float = Field(default=20.0, gt=0, le=50)
    # Extra certificate authorities mail servers are verified against, beside the system's
    # (HELPDESK_MAIL_CA_FILE: an internal CA, or the tests').
    mail_ca_file: str | None = None
    # Where ticketing keeps attachment bytes (the same HELPDESK_ATTACHMENTS_BUCKET as ticketing's).
    attachments_bucket: str = "ticket-attachments"
    # Each SMTP command's wait for the server.
    smtp_timeout_seconds: float = Field(default=60.0, gt=0)
    # One whole attempt (connect to QUIT), so a lease always outlives the attempt holding it.
    send_attempt_seconds: float = Field(default=300.0, gt=0)
    # How long a claimed message stays with its sender before another takes it over as abandoned.
    send_lease_seconds: float = Field(default=360.0, gt=0)
    send_poll_seconds: float = Field(default=2.0, gt=0)
    send_batch_size: int = Field(default=20, ge=1)
    # Retries after a 4xx or a connection error: the first after about `first`, doubling up to
    # `longest`, each with up to a quarter of jitter; after `give_up` since queueing, failed.
    send_retry_first_seconds: float = Field(default=60.0, gt=0)
    send_retry_longest_seconds: float = Field(default=1800.0, gt=0)
    send_give_up_after_seconds: float = Field(default=6 * 3600.0, gt=0)
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
    # How often a mail gateway without its departments and settings asks ticketing for them again,
    # while ticketing's ticket-states role does not answer or another replica is learning them
    # (projections/consumers.py; HELPDESK_MAIL_BOOTSTRAP_RETRY_SECONDS).
    mail_bootstrap_retry_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _lease_outlives_the_attempt(self) -> Self:
        # Otherwise a live sender's message could be taken over, and sent twice.
        if self.send_lease_seconds <= self.send_attempt_seconds:
            raise ValueError("HELPDESK_SEND_LEASE_SECONDS must be longer than HELPDESK_SEND_ATTEMPT_SECONDS")
        return self
