// Deleting a contact (10.12), from the contact list and the customer page alike: a hard delete.
import { useToast } from 'primevue/usetoast'
import { api } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { useHardDelete } from '@/shared/useHardDelete'
import { type Contact, fullName } from './form'

export function useContactDelete(): (contact: Contact, done: (problem: Problem | null) => void) => void {
  const confirmDelete = useHardDelete()
  const toast = useToast()
  return (contact, done) => {
    const name = fullName(contact) || contact.email
    confirmDelete({
      what: `the contact ${name}`,
      cascade: contact.devices.length ? 'Its device links are removed with it.' : undefined,
      accept: async () => {
        const answer = await outcome(api.DELETE('/api/tickets/contacts/{contact_id}', { params: { path: { contact_id: contact.id } } }))
        if (answer.ok) toast.add({ severity: 'success', summary: `Contact ${name} deleted`, life: 3000 })
        done(answer.ok ? null : answer.problem)
      },
    })
  }
}
