// The reads every picker shares: operators (assignee, members, the queue's filter) and contacts
// (the contact autocomplete). Pages call these, never the endpoints, so the narrow reads the
// pickers need live in one place.
import { api } from './client'
import { outcome, type Outcome } from './outcome'

export interface OperatorChoice {
  id: string
  username: string
  display_name: string
}

export interface ContactChoice {
  id: string
  first_name: string
  last_name: string
  email: string
  company_name: string | null
  customer_id: string | null
}

export async function searchOperators(search = ''): Promise<Outcome<OperatorChoice[]>> {
  // The directory every module user may read (docs/architecture.md, "Reads for the console's pickers").
  const answer = await outcome(api.GET('/api/tickets/operators', { params: { query: { search: search || undefined } } }))
  if (!answer.ok) return answer
  return { ok: true, data: answer.data.map(({ id, username, display_name }) => ({ id, username, display_name })) }
}

export async function searchContacts(search: string, limit = 20): Promise<Outcome<ContactChoice[]>> {
  const answer = await outcome(api.GET('/api/tickets/contacts', { params: { query: { search, limit } } }))
  if (!answer.ok) return answer
  return {
    ok: true,
    data: answer.data.map(({ id, first_name, last_name, email, company_name, customer_id }) => ({
      id, first_name, last_name, email, company_name: company_name ?? null, customer_id: customer_id ?? null,
    })),
  }
}

export function contactLabel(contact: Pick<ContactChoice, 'first_name' | 'last_name' | 'email'>): string {
  const name = `${contact.first_name} ${contact.last_name}`.trim()
  return name ? `${name} <${contact.email}>` : contact.email
}
