// Deleting a contact (10.12), from the contact list and the customer page alike: a hard delete.
import { useToast } from 'primevue/usetoast'
import { api } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { useConfirmDelete } from '@/shared/confirmDelete'
import { type Contact, fullName } from './form'

export function useContactDelete(): (contact: Contact, done: (problem: Problem | null) => void) => Promise<void> {
  const confirmDelete = useConfirmDelete()
  const toast = useToast()
  return async (contact, done) => {
    const name = fullName(contact) || contact.email
    const consequence = contact.devices.length ? 'Its device links are removed with it.' : undefined
    if (!(await confirmDelete({ what: `the contact ${name}`, hard: true, consequence }))) return
    const answer = await outcome(api.DELETE('/api/tickets/contacts/{contact_id}', { params: { path: { contact_id: contact.id } } }))
    if (answer.ok) toast.add({ severity: 'success', summary: `Contact ${name} deleted`, life: 3000 })
    done(answer.ok ? null : answer.problem)
  }
}
