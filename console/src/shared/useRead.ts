// A read a tab or panel shows inline: its data once answered, whether it is under way, and its problem,
// with `load` to try again. An answer to an older call never replaces a newer one's.
import { ref, shallowRef } from 'vue'
import type { Outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export function useRead<T>(read: () => Promise<Outcome<T>>) {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const problem = ref<Problem | null>(null)
  let asked = 0

  async function load(): Promise<void> {
    const mine = ++asked
    loading.value = true
    const answer = await read()
    if (mine !== asked) return
    loading.value = false
    if (answer.ok) data.value = answer.data
    problem.value = answer.ok ? null : answer.problem
  }

  return { data, loading, problem, load }
}
