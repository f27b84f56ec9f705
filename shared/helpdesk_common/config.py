"""Settings every service reads from HELPDESK_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HelpdeskSettings(BaseSettings):
    """What a service process needs to reach the platform; a service may subclass it."""

    model_config = SettingsConfigDict(env_prefix="HELPDESK_", extra="ignore")

    service_name: str = "helpdesk"
    # The service's OWN role (never the admin one): postgresql://helpdesk_ticketing:...@host/db
    database_url: str = "postgresql://localhost:5432/helpdesk"
    database_pool_size: int = 10
    nats_url: str = "nats://127.0.0.1:4222"
    # 1 on a single server; 3 in a JetStream cluster (DESIGN: clusters use R3 streams).
    nats_stream_replicas: int = 1

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # Requests larger than this are refused with 413 before a handler reads them.
    http_max_body_bytes: int = 1_048_576

    # Ed25519 public key (PEM) of the gateway: verifies the internal token on every request.
    internal_token_public_key: str = ""
    internal_token_private_key: str = ""
    internal_token_ttl_seconds: int = 60

    # Key material for secrets at rest (mailbox passwords, webhook signing keys).
    secret_key: str = ""

    otlp_endpoint: str = ""
    log_level: str = "INFO"
    # None: JSON unless stderr is a terminal (a person reads it there).
    log_json: bool | None = None

    # Outbox relay and consumers.
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    # Keep published events this long and publish them again after NATS comes back (see
    # bus/relay.py): for a single server that fsyncs on an interval; 0 when every write is fsynced
    # or streams are replicated. Longer than the server's sync interval, shorter than the streams'
    # duplicate window.
    relay_retain_seconds: float = Field(default=0.0, ge=0, le=300)
    consumer_batch_size: int = 256
    consumer_batch_timeout_seconds: float = 0.05
    consumer_max_deliver: int = 5
    consumer_ack_wait_seconds: float = 30.0
    consumer_backoff_base_seconds: float = 1.0
    consumer_backoff_max_seconds: float = 300.0
    # Longer than any stream keeps a message, so every redelivery is still recognised.
    inbox_retention_days: int = 30
    migrate_on_start: bool = False

    readiness_timeout_seconds: float = Field(default=2.0, gt=0)

    # Tests only (helpdesk_common/clock.py): a file holding seconds added to the system's time.
    test_clock_file: str = ""


@lru_cache
def get_settings() -> HelpdeskSettings:
    return HelpdeskSettings()
