// The queue's rows for one view: keyset pages (the API has no page numbers, so Previous is a stack of
// the cursors that led here), the tabs' counts, and a refresh that leaves the page where it is.
import { ref, shallowRef } from 'vue'
import { api, type Schemas } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import type { QueueView } from './queueQuery'

export type TicketRow = Schemas['ticketing__TicketRow']
export const PAGE_SIZE = 50

export function useQueue() {
  const rows = shallowRef<TicketRow[]>([])
  const counts = ref<Record<string, number>>({})
  const nextCursor = ref<string | null>(null)
  // The cursor of each page before the current one, and the current page's (null: the first).
  const cursors = ref<(string | null)[]>([null])
  const loading = ref(false)
  const loaded = ref(false)
  const problem = ref<Problem | null>(null)
  let asked = 0

  async function read(view: QueueView): Promise<void> {
    const mine = ++asked
    const { tab, filters, search } = view
    const answer = await outcome(
      api.GET('/api/tickets', {
        params: {
          query: {
            tab,
            department_id: filters.department_id ?? undefined,
            priority: (filters.priority as TicketRow['priority'] | null) ?? undefined,
            assignee: filters.assignee ?? undefined,
            type_id: filters.type_id ?? undefined,
            label_id: filters.label_id ?? undefined,
            search: search.trim() || undefined,
            limit: PAGE_SIZE,
            cursor: cursors.value[cursors.value.length - 1] ?? undefined,
          },
        },
      }),
    )
    // An answer to a view the operator has already left must not replace the newer one.
    if (mine !== asked) return
    loading.value = false
    if (!answer.ok) {
      problem.value = answer.problem
      return
    }
    problem.value = null
    rows.value = answer.data.rows
    counts.value = answer.data.counts
    nextCursor.value = answer.data.next_cursor ?? null
    loaded.value = true
  }

  /** A new view starts on its first page. */
  function show(view: QueueView): Promise<void> {
    cursors.value = [null]
    loading.value = true
    return read(view)
  }

  /** The same page again, quietly: no loading state, so nothing on screen moves. */
  function refresh(view: QueueView): Promise<void> {
    return read(view)
  }

  function next(view: QueueView): Promise<void> {
    if (!nextCursor.value) return Promise.resolve()
    cursors.value = [...cursors.value, nextCursor.value]
    loading.value = true
    return read(view)
  }

  function previous(view: QueueView): Promise<void> {
    if (cursors.value.length < 2) return Promise.resolve()
    cursors.value = cursors.value.slice(0, -1)
    loading.value = true
    return read(view)
  }

  return { rows, counts, nextCursor, cursors, loading, loaded, problem, show, refresh, next, previous }
}
