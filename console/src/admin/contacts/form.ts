// A contact's fields (10.12) as the contact dialog edits them.
import type { Schemas } from '@/api/client'

export type Contact = Schemas['ticketing__ContactOut']
export type ContactBody = Schemas['ticketing__ContactCreate']

export interface ContactForm {
  first_name: string
  last_name: string
  email: string
  phone: string
  position: string
  customer_id: string | null
  department_id: string | null
  notes: string
  device_ids: string[]
}

export const CONTACT_FIELDS = ['first_name', 'last_name', 'email', 'phone', 'position', 'customer_id', 'department_id', 'notes', 'device_ids'] as const

export function formOf(contact: Contact | null, customerId: string | null = null): ContactForm {
  return {
    first_name: contact?.first_name ?? '',
    last_name: contact?.last_name ?? '',
    email: contact?.email ?? '',
    phone: contact?.phone ?? '',
    position: contact?.position ?? '',
    customer_id: contact ? (contact.customer_id ?? null) : customerId,
    department_id: contact?.department_id ?? null,
    notes: contact?.notes ?? '',
    device_ids: contact?.devices.map((device) => device.id) ?? [],
  }
}

export function bodyOf(form: ContactForm): ContactBody {
  return { ...form, device_ids: [...form.device_ids] }
}

export function fullName(contact: Pick<Contact, 'first_name' | 'last_name'>): string {
  return `${contact.first_name} ${contact.last_name}`.trim()
}
