// The pickers the incident pages share: assignment groups (ITSM's own read) and operators. Operators
// come from the one directory the console has (api/directory.ts, ticketing's, for ticket users); an
// operator without it is still offered themselves, and the current assignee is always an option.
import { computed, ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { type OperatorChoice, searchOperators } from '@/api/directory'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { session } from '@/session/session'

export type Group = Schemas['itsm__GroupOut']

export interface Choice {
  label: string
  value: string | null
}

export function operatorLabel(operator: Pick<OperatorChoice, 'username' | 'display_name'>): string {
  return operator.display_name ? `${operator.display_name} (${operator.username})` : operator.username
}

export function useIncidentChoices() {
  const groups = ref<Group[]>([])
  const operators = ref<OperatorChoice[]>([])
  const directoryMissing = ref(false)
  const problem = ref<Problem | null>(null)

  async function load(): Promise<void> {
    const [groupsAnswer, operatorsAnswer] = await Promise.all([
      outcome(api.GET('/api/itsm/assignment-groups')),
      searchOperators(),
    ])
    if (groupsAnswer.ok) groups.value = groupsAnswer.data
    problem.value = groupsAnswer.ok ? null : groupsAnswer.problem
    directoryMissing.value = !operatorsAnswer.ok
    const me = session.operator
    const listed = operatorsAnswer.ok ? operatorsAnswer.data : []
    operators.value = me && !listed.some((one) => one.id === me.id)
      ? [{ id: me.id, username: me.username, display_name: me.display_name }, ...listed]
      : listed
  }

  const groupName = (id: string): string => groups.value.find((group) => group.id === id)?.name ?? 'A group'

  /** The operators to offer, with `current` (the incident's assignee) among them. */
  function operatorChoices(current?: { id: string; username: string } | null): Choice[] {
    const list = current && !operators.value.some((one) => one.id === current.id)
      ? [{ ...current, display_name: '' }, ...operators.value]
      : operators.value
    return list.map((one) => ({ label: operatorLabel(one), value: one.id }))
  }

  const groupChoices = computed<Choice[]>(() => groups.value.map((group) => ({ label: group.name, value: group.id })))

  return { groups, operators, directoryMissing, problem, load, groupName, operatorChoices, groupChoices }
}
