// The queue's view (tab, five filters, search) lives in the URL query, so a reload, a shared link and
// the back button all return to it. `tab` itself belongs to the ticket dialog (?tab=details), so the
// queue's tab is `status`.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

export const TABS = ['all', 'open', 'in_progress', 'waiting', 'resolved', 'closed'] as const
export type QueueTab = (typeof TABS)[number]

export const TAB_LABELS: Record<QueueTab, string> = {
  all: 'All',
  open: 'Open',
  in_progress: 'In Progress',
  waiting: 'Waiting',
  resolved: 'Resolved',
  closed: 'Closed',
}

export const FILTERS = ['department_id', 'priority', 'assignee', 'type_id', 'label_id'] as const
export type QueueFilter = (typeof FILTERS)[number]

export interface QueueView {
  tab: QueueTab
  filters: Record<QueueFilter, string | null>
  search: string
}

function text(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first ? first : null
}

export function viewOf(query: LocationQuery): QueueView {
  const status = text(query.status)
  const filters = Object.fromEntries(FILTERS.map((name) => [name, text(query[name])])) as QueueView['filters']
  return {
    tab: TABS.includes(status as QueueTab) ? (status as QueueTab) : 'open',
    filters,
    search: text(query.search) ?? '',
  }
}

/** The route query for `view`, keeping what other parts of the page put there. */
export function queryOf(view: QueueView, current: LocationQuery): LocationQueryRaw {
  const query: LocationQueryRaw = { ...current, status: view.tab === 'open' ? undefined : view.tab }
  for (const name of FILTERS) query[name] = view.filters[name] ?? undefined
  query.search = view.search.trim() || undefined
  return query
}

/** One string per distinct view: the rows are read again only when it changes. */
export function viewKey(view: QueueView): string {
  return JSON.stringify([view.tab, FILTERS.map((name) => view.filters[name]), view.search.trim()])
}
