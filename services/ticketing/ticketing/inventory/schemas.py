"""Bodies of the inventory API: the import takes the records of the inventory event contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.inventory import InventoryDevice, InventoryTenant
from helpdesk_common.inputs import RequestModel

MAX_IMPORT_RECORDS = 10_000


class TenantIn(RequestModel, InventoryTenant):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Trimmed first (RequestModel), so a name of spaces is too short.
    name: str = Field(min_length=1, max_length=300)


class DeviceIn(RequestModel, InventoryDevice):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=300)


class InventoryImport(RequestModel):
    """Upserts; a device's tenant is in the same import or already known. Each list holds up to
    10,000 records, and the whole request stays within the service's body limit (1 MiB by default)."""

    tenants: list[TenantIn] = Field(default=[], max_length=MAX_IMPORT_RECORDS)
    devices: list[DeviceIn] = Field(default=[], max_length=MAX_IMPORT_RECORDS)


class ImportResult(BaseModel):
    """How many records were written (a record older than the one held is not)."""

    tenants: int
    devices: int


class TenantOut(BaseModel):
    id: uuid.UUID
    name: str
    device_count: int
    updated_at: datetime


class DeviceOut(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    attributes: dict[str, Any]
    updated_at: datetime
