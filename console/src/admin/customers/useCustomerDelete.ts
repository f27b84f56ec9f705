// Deleting a customer (10.11), from the list and from the detail page alike: a hard delete with a
// cascade, so the confirmation names what goes with it, and the toast says what went.
import { useToast } from 'primevue/usetoast'
import { api } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { useConfirmDelete } from '@/shared/confirmDelete'
import type { Customer } from './references'

export const CASCADE =
  'All departments tied to this customer, all its contacts, and the device links on those contacts are removed permanently with it.'

export function useCustomerDelete(): (customer: Pick<Customer, 'id' | 'company_name'>, done: (problem: Problem | null) => void) => Promise<void> {
  const confirmDelete = useConfirmDelete()
  const toast = useToast()
  return async (customer, done) => {
    if (!(await confirmDelete({ what: `the customer ${customer.company_name}`, hard: true, consequence: CASCADE }))) return
    const answer = await outcome(api.DELETE('/api/tickets/customers/{customer_id}', { params: { path: { customer_id: customer.id } } }))
    if (!answer.ok) return done(answer.problem)
    const { department_ids, contact_ids, device_links_removed } = answer.data
    toast.add({
      severity: 'success',
      summary: `Customer ${customer.company_name} deleted`,
      detail: `With ${department_ids.length} departments, ${contact_ids.length} contacts and ${device_links_removed} device links.`,
      life: 4000,
    })
    done(null)
  }
}
