// The operator directory answers a page at a time (the first hundred by username), so a picker's
// filter asks it for what is typed rather than only narrowing the first page: an operator further on
// can be found and picked. Shared by every operator picker.
import { ref } from 'vue'
import { type OperatorChoice, searchOperators } from '@/api/directory'

export function useOperatorSearch() {
  const found = ref<OperatorChoice[]>([])
  // Every operator an answer named: one picked from an earlier search stays named (and listed) when
  // the next search's answer leaves them out.
  const named = ref(new Map<string, OperatorChoice>())
  const unavailable = ref(false)
  let asked = 0

  async function search(text: string): Promise<void> {
    const mine = ++asked
    const answer = await searchOperators(text.trim())
    // An earlier search answering late never replaces a later one's list.
    if (mine !== asked) return
    unavailable.value = !answer.ok
    if (!answer.ok) return
    for (const operator of answer.data) named.value.set(operator.id, operator)
    found.value = answer.data
  }

  return { found, named, unavailable, search }
}

/** The operators of every group in order, each once (where it first appears). */
export function eachOnce(...groups: OperatorChoice[][]): OperatorChoice[] {
  const listed = new Map<string, OperatorChoice>()
  for (const operator of groups.flat()) if (!listed.has(operator.id)) listed.set(operator.id, operator)
  return [...listed.values()]
}
