// The records the customer, contact and department forms pick from: customers, RMM tenants and
// their devices (the inventory projection), and the SLA library. One read each, shared by the forms.
import { api, type Schemas } from '@/api/client'
import { outcome, type Outcome } from '@/api/outcome'

export type Customer = Schemas['ticketing__CustomerOut']
export type Tenant = Schemas['ticketing__TenantOut']
export type Device = Schemas['ticketing__DeviceOut']
export type SlaChoice = Schemas['ticketing__SlaChoice']

export interface Choice {
  id: string
  name: string
}

export function listCustomers(search = ''): Promise<Outcome<Customer[]>> {
  return outcome(api.GET('/api/tickets/customers', { params: { query: { search: search.trim() || undefined } } }))
}

export function listTenants(): Promise<Outcome<Tenant[]>> {
  return outcome(api.GET('/api/tickets/inventory/tenants', { params: { query: { limit: 1000 } } }))
}

export function listDevices(tenantId: string): Promise<Outcome<Device[]>> {
  return outcome(api.GET('/api/tickets/inventory/tenants/{tenant_id}/devices', { params: { path: { tenant_id: tenantId } } }))
}

/** The SLA library's names, for whoever sets a customer's SLA (tickets_manage_customers). */
export function listSlas(): Promise<Outcome<SlaChoice[]>> {
  return outcome(api.GET('/api/tickets/sla-definitions'))
}

/** `choices` plus the record's current one when the list does not hold it (a long list, a narrower read). */
export function withCurrent(choices: Choice[], id: string | null | undefined, name: string | null | undefined): Choice[] {
  if (!id || choices.some((choice) => choice.id === id)) return choices
  return [{ id, name: name ?? id }, ...choices]
}
