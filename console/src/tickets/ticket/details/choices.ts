// The lists the ticket forms choose from (departments, types, labels), read once per form; the
// Details tab and New Ticket share them.
import { ref, type Ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type Label = Schemas['ticketing__LabelOut']
export type TicketType = Schemas['ticketing__TypeOut']
export type Department = Schemas['ticketing__DepartmentOut']

export interface TicketChoices {
  departments: Ref<Department[]>
  types: Ref<TicketType[]>
  labels: Ref<Label[]>
  problem: Ref<Problem | null>
  /** Read the lists again (after Labels & Types changed them). */
  reload: () => Promise<void>
}

export function useTicketChoices(): TicketChoices {
  const choices: TicketChoices = {
    departments: ref([]),
    types: ref([]),
    labels: ref([]),
    problem: ref(null),
    reload: () => load(choices),
  }
  void load(choices)
  return choices
}

async function load(choices: TicketChoices): Promise<void> {
  const [departments, types, labels] = await Promise.all([
    outcome(api.GET('/api/tickets/departments')),
    outcome(api.GET('/api/tickets/types')),
    outcome(api.GET('/api/tickets/labels')),
  ])
  if (departments.ok) choices.departments.value = departments.data as Department[]
  if (types.ok) choices.types.value = types.data as TicketType[]
  if (labels.ok) choices.labels.value = labels.data as Label[]
  const failed = [departments, types, labels].find((answer) => !answer.ok)
  choices.problem.value = failed && !failed.ok ? failed.problem : null
}
