// The pickers the ITSM pages share: assignment groups and operators, both ITSM's own reads (the
// operators an assignment is checked against), with the current assignee always an option; and the
// SLA definitions ITSM keeps, for a default SLA and an incident's SLA name.
import { computed, ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import type { OperatorChoice } from '@/api/directory'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type Group = Schemas['itsm__GroupOut']
export type SlaDefinition = Schemas['itsm__SlaDefinitionOut']

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
      outcome(api.GET('/api/itsm/operators', { params: { query: { limit: 500 } } })),
    ])
    if (groupsAnswer.ok) groups.value = groupsAnswer.data
    problem.value = groupsAnswer.ok ? null : groupsAnswer.problem
    directoryMissing.value = !operatorsAnswer.ok
    operators.value = operatorsAnswer.ok ? operatorsAnswer.data : []
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

export function useSlaDefinitions() {
  const definitions = ref<SlaDefinition[]>([])
  const problem = ref<Problem | null>(null)

  async function load(): Promise<void> {
    const answer = await outcome(api.GET('/api/itsm/sla-definitions'))
    if (answer.ok) definitions.value = answer.data
    problem.value = answer.ok ? null : answer.problem
  }

  function slaName(id: string): string {
    const found = definitions.value.find((one) => one.id === id)
    if (!found) return 'An SLA'
    return found.removed ? `${found.name} (removed)` : found.name
  }

  /** The SLAs a default may name, with `current` (the one chosen) among them even if removed since. */
  function slaChoices(current: string | null | undefined): Choice[] {
    return definitions.value
      .filter((one) => !one.removed || one.id === current)
      .map((one) => ({ label: slaName(one.id), value: one.id }))
  }

  return { definitions, problem, load, slaName, slaChoices }
}
