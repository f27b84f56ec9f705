// What every incident action dialog does around its one call: busy while it runs, the API's problem
// kept to show (cleared when the dialog opens again), and a good answer closing the dialog and handed on.
import { type Ref, ref, watch } from 'vue'
import type { Outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export function useActionDialog<T>(open: Ref<boolean>, done: (answer: T) => void) {
  const problem = ref<Problem | null>(null)
  const busy = ref(false)

  watch(open, (now) => {
    if (now) problem.value = null
  })

  /** Whether the call was answered well (and the dialog closed). */
  async function run(call: () => Promise<Outcome<T>>): Promise<boolean> {
    busy.value = true
    const answer = await call()
    busy.value = false
    if (!answer.ok) {
      problem.value = answer.problem
      return false
    }
    open.value = false
    done(answer.data)
    return true
  }

  return { problem, busy, run }
}
