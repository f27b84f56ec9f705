// The Details tab's editable copy of a ticket, and the PATCH that carries only what the operator
// changed (TicketUpdate: a field left out stays as it is; null clears it).
import type { Schemas } from '@/api/client'
import type { TicketPriority, TicketStatus } from '../../labels'

type Ticket = Schemas['ticketing__TicketOut']
export type TicketUpdate = Schemas['ticketing__TicketUpdate']

export interface DetailsForm {
  title: string
  status: TicketStatus
  priority: TicketPriority
  assignee_id: string | null
  department_id: string | null
  contact_id: string | null
  contact_email: string
  // The ticket's own name for a contact known only by e-mail (a linked contact's name is its own).
  contact_name: string
  type_id: string | null
  label_ids: string[]
}

export function formOf(ticket: Ticket): DetailsForm {
  return {
    title: ticket.title,
    status: ticket.status,
    priority: ticket.priority,
    assignee_id: ticket.assignee?.id ?? null,
    department_id: ticket.department?.id ?? null,
    contact_id: ticket.contact.id ?? null,
    contact_email: ticket.contact.email ?? '',
    contact_name: ticket.contact.id ? '' : (ticket.contact.name ?? ''),
    type_id: ticket.type?.id ?? null,
    label_ids: ticket.labels.map((label) => label.id).sort(),
  }
}

type Field = keyof DetailsForm
const PLAIN: Field[] = ['title', 'status', 'priority', 'assignee_id', 'department_id', 'type_id']

function same(a: unknown, b: unknown): boolean {
  const normal = (value: unknown) => (Array.isArray(value) ? [...value].sort() : value)
  return JSON.stringify(normal(a)) === JSON.stringify(normal(b))
}

export function changesOf(ticket: Ticket, form: DetailsForm): TicketUpdate {
  const original = formOf(ticket)
  const body: Record<string, unknown> = {}
  for (const field of PLAIN) if (!same(form[field], original[field])) body[field] = form[field]
  if (!same(form.label_ids, original.label_ids)) body.label_ids = [...form.label_ids].sort()
  Object.assign(body, contactChange(original, form))
  const name = form.contact_name.trim()
  if (!form.contact_id && name !== original.contact_name.trim()) body.contact_name = name || null
  return body as TicketUpdate
}

/** A contact picked from the list goes by id; a typed address by e-mail (the API links it to the
 * contact that has it, if any); an emptied field unlinks both. */
function contactChange(original: DetailsForm, form: DetailsForm): TicketUpdate {
  const email = form.contact_email.trim()
  if (form.contact_id && form.contact_id !== original.contact_id) return { contact_id: form.contact_id }
  const sameAddress = email.toLowerCase() === original.contact_email.toLowerCase()
  if (sameAddress && (!form.contact_id || form.contact_id === original.contact_id)) return {}
  if (!email) return { contact_id: null, contact_email: null }
  return { contact_email: email }
}

/** The ticket changed under the form (saved here, or elsewhere): take the new values of the fields
 * the operator has not touched, and keep what they typed. */
export function rebase(before: Ticket, after: Ticket, form: DetailsForm): DetailsForm {
  const old = formOf(before)
  const fresh = formOf(after)
  const next = { ...form }
  const contactTouched = !same(form.contact_id, old.contact_id) || !same(form.contact_email, old.contact_email)
  for (const field of Object.keys(fresh) as Field[]) {
    const contact = field === 'contact_id' || field === 'contact_email'
    const touched = contact ? contactTouched : !same(form[field], old[field])
    if (!touched) (next as Record<Field, unknown>)[field] = fresh[field]
  }
  return next
}
