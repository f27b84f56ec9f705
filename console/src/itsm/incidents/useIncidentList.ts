// The incident list for one view: keyset pages appended by "Load more" (the API has no page numbers),
// and the per-status counts under the same filters, which every page's answer carries.
import { ref, shallowRef } from 'vue'
import { api } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import { session } from '@/session/session'
import type { Incident, IncidentStatus } from '../labels'
import { type ListView, TAB_STATUSES } from './listQuery'

export const PAGE_SIZE = 50

export function useIncidentList() {
  const rows = shallowRef<Incident[]>([])
  const counts = ref<Partial<Record<IncidentStatus, number>>>({})
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loaded = ref(false)
  const problem = ref<Problem | null>(null)
  let asked = 0

  function queryOf(view: ListView, cursor: string | null) {
    const assignee = view.assignee === 'me' ? (session.operator?.id ?? null) : view.assignee
    const statuses = TAB_STATUSES[view.tab]
    return {
      status: statuses.length ? statuses : undefined,
      priority: view.priority ? [view.priority] : undefined,
      assignee_id: assignee && assignee !== 'unassigned' ? assignee : undefined,
      unassigned: assignee === 'unassigned' ? true : undefined,
      assignment_group_id: view.group ?? undefined,
      search: view.search.trim() || undefined,
      cursor: cursor ?? undefined,
      limit: PAGE_SIZE,
    }
  }

  async function read(view: ListView, cursor: string | null): Promise<void> {
    const mine = ++asked
    loading.value = true
    const answer = await outcome(api.GET('/api/itsm/incidents', { params: { query: queryOf(view, cursor) } }))
    if (mine !== asked) return
    loading.value = false
    if (!answer.ok) {
      problem.value = answer.problem
      return
    }
    problem.value = null
    rows.value = cursor ? [...rows.value, ...answer.data.items] : answer.data.items
    counts.value = answer.data.counts
    nextCursor.value = answer.data.next_cursor ?? null
    loaded.value = true
  }

  /** The first page of a view. */
  function show(view: ListView): Promise<void> {
    return read(view, null)
  }

  function more(view: ListView): Promise<void> {
    return nextCursor.value ? read(view, nextCursor.value) : Promise.resolve()
  }

  return { rows, counts, nextCursor, loading, loaded, problem, show, more }
}
