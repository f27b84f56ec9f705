// The customer's fields (10.11) as the Add Company dialog and the detail page edit them.
import type { Schemas } from '@/api/client'
import type { Customer } from './references'

export type CustomerBody = Schemas['ticketing__CustomerCreate']

export interface CustomerForm {
  company_name: string
  address: string
  tenant_id: string | null
  sla_id: string | null
  ticket_number_prefix: string
  notes: string
}

export const CUSTOMER_FIELDS = ['company_name', 'address', 'tenant_id', 'sla_id', 'ticket_number_prefix', 'notes'] as const

export function formOf(customer: Customer | null): CustomerForm {
  return {
    company_name: customer?.company_name ?? '',
    address: customer?.address ?? '',
    tenant_id: customer?.tenant_id ?? null,
    sla_id: customer?.sla_id ?? null,
    ticket_number_prefix: customer?.ticket_number_prefix ?? '',
    notes: customer?.notes ?? '',
  }
}

/** An empty prefix is no override: the global prefix applies (10.2). */
export function bodyOf(form: CustomerForm): CustomerBody {
  return { ...form, ticket_number_prefix: form.ticket_number_prefix.trim() || null }
}
