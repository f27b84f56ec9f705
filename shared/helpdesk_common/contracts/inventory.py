"""The inventory contract: tenants and devices published by an external inventory or RMM system, so
ticketing can link contacts to the devices of their company's tenant (seed 10.11, 10.12).

The platform does not manage devices; it keeps a projection of what this contract says. An RMM
integration publishes to the INVENTORY stream, one JSON envelope per change, on these subjects:

| subject and `type`                                       | `data`                                          |
|----------------------------------------------------------|-------------------------------------------------|
| `inventory.tenant.upserted`, `inventory_tenant_upserted` | `{"tenant": {id, name}}`                        |
| `inventory.tenant.removed`, `inventory_tenant_removed`   | `{"tenant": {id}}`                              |
| `inventory.device.upserted`, `inventory_device_upserted` | `{"device": {id, tenant_id, name, attributes}}` |
| `inventory.device.removed`, `inventory_device_removed`   | `{"device": {id}}`                              |
| `inventory.host_group.upserted`, `..._host_group_upserted` | `{"host_group": {id, tenant_id, name, ...}}` |
| `inventory.host_group.removed`, `..._host_group_removed`   | `{"host_group": {id}}`                        |

(`inventory_host_group_upserted` carries `criticality` and `depends_on`, a list of group ids.)

A device may name its host group (`host_group_id`) and its own `criticality` (`low`, `medium`, `high`,
`critical`); a host group has a criticality and the groups it depends on. ITSM matches an alert's
host to a device by `attributes.hostname`, else its name, ignoring case (docs/itsm.md).

For example::

    {"id": "5f0c...", "type": "inventory_device_upserted", "source": "acme-rmm",
     "time": "2025-01-31T09:30:00Z", "subject": "<device id>", "specversion": "1.0",
     "dataschema": "urn:helpdesk:event:inventory_device_upserted:v1",
     "datacontenttype": "application/json",
     "data": {"device": {"id": "<uuid>", "tenant_id": "<uuid>", "name": "LT-0042",
                         "attributes": {"hostname": "lt-0042.acme.local", "os": "Windows 11",
                                        "serial": "5CG1234XYZ"}}}}

Rules for producers:
- `id` is a fresh UUID per change and is also sent as the `Nats-Msg-Id` header; a change published
  again keeps its `id`, and consumers apply it once.
- An upsert carries the whole record (it replaces the previous one); `attributes` is a free JSON
  object (hostname, os, serial, ...). A removal needs only the id (more fields are ignored).
- `time` is when the change happened in the inventory system. A consumer ignores a change older
  than what it already holds, so a late redelivery never undoes a newer change.
- Removing a tenant removes its devices. A device may be published before its tenant.
- Version 1 is `dataschema` `...:v1`; an incompatible change gets a new version, never a new
  meaning for an old one.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk_common.contracts.envelope import EventEnvelope


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class InventoryTenant(_Data):
    id: uuid.UUID
    name: str


Criticality = Literal["low", "medium", "high", "critical"]


class InventoryDevice(_Data):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict, description="Hostname, OS, serial, ...")
    host_group_id: uuid.UUID | None = None
    criticality: Criticality | None = None


class InventoryHostGroup(_Data):
    id: uuid.UUID
    tenant_id: uuid.UUID | None = None
    name: str
    criticality: Criticality | None = None
    depends_on: list[uuid.UUID] = Field(default_factory=list, description="Groups this one depends on.")


class InventoryRecordId(_Data):
    id: uuid.UUID


class InventoryTenantData(_Data):
    tenant: InventoryTenant


class InventoryTenantRemovedData(_Data):
    tenant: InventoryRecordId


class InventoryDeviceData(_Data):
    device: InventoryDevice


class InventoryDeviceRemovedData(_Data):
    device: InventoryRecordId


class InventoryHostGroupData(_Data):
    host_group: InventoryHostGroup


class InventoryHostGroupRemovedData(_Data):
    host_group: InventoryRecordId


class _InventoryEvent(EventEnvelope[Any]):
    stream = "INVENTORY"
    subject_verb: ClassVar[str]

    def bus_subject(self) -> str:
        return f"inventory.{self.subject_verb}"


class InventoryTenantUpserted(_InventoryEvent):
    """A tenant (a customer's organisation in the RMM) was created or renamed."""

    event_type = "inventory_tenant_upserted"
    subject_verb = "tenant.upserted"
    type: Literal["inventory_tenant_upserted"]
    data: InventoryTenantData


class InventoryTenantRemoved(_InventoryEvent):
    """A tenant is gone, and with it all of its devices."""

    event_type = "inventory_tenant_removed"
    subject_verb = "tenant.removed"
    type: Literal["inventory_tenant_removed"]
    data: InventoryTenantRemovedData


class InventoryDeviceUpserted(_InventoryEvent):
    """A device was created or changed (name, tenant, attributes)."""

    event_type = "inventory_device_upserted"
    subject_verb = "device.upserted"
    type: Literal["inventory_device_upserted"]
    data: InventoryDeviceData


class InventoryDeviceRemoved(_InventoryEvent):
    """A device is gone."""

    event_type = "inventory_device_removed"
    subject_verb = "device.removed"
    type: Literal["inventory_device_removed"]
    data: InventoryDeviceRemovedData


class InventoryHostGroupUpserted(_InventoryEvent):
    """A host group was created or changed (name, criticality, dependencies)."""

    event_type = "inventory_host_group_upserted"
    subject_verb = "host_group.upserted"
    type: Literal["inventory_host_group_upserted"]
    data: InventoryHostGroupData


class InventoryHostGroupRemoved(_InventoryEvent):
    """A host group is gone; its devices stay, in no group."""

    event_type = "inventory_host_group_removed"
    subject_verb = "host_group.removed"
    type: Literal["inventory_host_group_removed"]
    data: InventoryHostGroupRemovedData


INVENTORY_EVENTS: tuple[type[_InventoryEvent], ...] = (
    InventoryTenantUpserted,
    InventoryTenantRemoved,
    InventoryDeviceUpserted,
    InventoryDeviceRemoved,
    InventoryHostGroupUpserted,
    InventoryHostGroupRemoved,
)
