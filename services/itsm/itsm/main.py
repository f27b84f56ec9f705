"""The itsm service: incidents, problems, changes, catalog, knowledge base, on-call. Its tables live in
the `itsm` schema, reached with the role `helpdesk_itsm` only. No domain yet: health, readiness,
migrations, the outbox relay and the inbox's pruning.
"""

from __future__ import annotations

from pathlib import Path

from helpdesk_common.service import ServiceDefinition
from itsm.config import ItsmSettings
from itsm.consumers import consumers
from itsm.jobs import jobs
from itsm.tables import metadata

service = ServiceDefinition(
    name="itsm",
    schema="itsm",
    title="ITSM",
    migrations_dir=Path(__file__).parent / "migrations",
    tables=metadata,
    consumers=consumers,
    jobs=jobs,
    settings_class=ItsmSettings,
)
