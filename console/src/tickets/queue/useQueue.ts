// The queue's rows for one view: keyset pages (the API has no page numbers, so Previous is a stack of
// the cursors that led here), the tabs' counts, and a refresh that leaves the page where it is.
// Rows and counts are two reads sent together: a search that matches much of the queue pages fast
// but counts slowly, and its rows need not wait for the count (bench/console.py measures this).
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
  let countsAsked = 0
  // The filters and search the counts on screen are for (a tab switch or a page keeps them).
  let countedFor: string | null = null

  function filtersOf(view: QueueView) {
    const { filters, search } = view
    return {
      department_id: filters.department_id ?? undefined,
      priority: (filters.priority as TicketRow['priority'] | null) ?? undefined,
      assignee: filters.assignee ?? undefined,
      type_id: filters.type_id ?? undefined,
      label_id: filters.label_id ?? undefined,
      search: search.trim() || undefined,
    }
  }

  async function read(view: QueueView): Promise<void> {
    const mine = ++asked
    const answer = await outcome(
      api.GET('/api/tickets', {
        params: {
          query: {
            ...filtersOf(view),
            tab: view.tab,
            limit: PAGE_SIZE,
            cursor: cursors.value[cursors.value.length - 1] ?? undefined,
            counts: false,
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
    nextCursor.value = answer.data.next_cursor ?? null
    loaded.value = true
  }

  async function count(view: QueueView): Promise<void> {
    const mine = ++countsAsked
    const query = filtersOf(view)
    countedFor = JSON.stringify(query)
    const answer = await outcome(api.GET('/api/tickets/counts', { params: { query } }))
    if (mine !== countsAsked) return
    // A failed count leaves the last ones; the rows' read reports the problem.
    if (answer.ok) counts.value = answer.data.counts
    else countedFor = null
  }

  /** The counts again only when the filters or search changed, or when asked to (a refresh). */
  function countIfChanged(view: QueueView, always = false): Promise<void> {
    const same = countedFor === JSON.stringify(filtersOf(view))
    if (same && !always) return Promise.resolve()
    // Counts of other filters are not shown beside these rows: the tabs say '…' until counted.
    if (!same) counts.value = {}
    return count(view)
  }

  /** A new view starts on its first page. */
  async function show(view: QueueView): Promise<void> {
    cursors.value = [null]
    loading.value = true
    await Promise.all([read(view), countIfChanged(view)])
  }

  /** The same page again, quietly: no loading state, so nothing on screen moves. */
  async function refresh(view: QueueView): Promise<void> {
    await Promise.all([read(view), countIfChanged(view, true)])
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
