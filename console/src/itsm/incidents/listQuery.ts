// The incident list's view (status tab, priority, assignee, group, search) lives in the URL query, so
// a reload, a shared link and the back button return to it.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { IncidentPriority, IncidentStatus } from '../labels'

export const TABS = ['active', 'open', 'acknowledged', 'resolved', 'closed', 'all'] as const
export type ListTab = (typeof TABS)[number]

export const TAB_LABELS: Record<ListTab, string> = {
  active: 'Active',
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  closed: 'Closed',
  all: 'All',
}

/** The statuses a tab lists (all of them: none asked). */
export const TAB_STATUSES: Record<ListTab, IncidentStatus[]> = {
  active: ['open', 'acknowledged'],
  open: ['open'],
  acknowledged: ['acknowledged'],
  resolved: ['resolved'],
  closed: ['closed'],
  all: [],
}

export interface ListView {
  tab: ListTab
  priority: IncidentPriority | null
  /** An operator's id, `me`, `unassigned`, or null for anyone. */
  assignee: string | null
  group: string | null
  search: string
}

function text(value: LocationQuery[string] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first ? first : null
}

export function viewOf(query: LocationQuery): ListView {
  const status = text(query.status)
  const priority = text(query.priority)
  return {
    tab: TABS.includes(status as ListTab) ? (status as ListTab) : 'active',
    priority: ['P1', 'P2', 'P3', 'P4'].includes(priority ?? '') ? (priority as IncidentPriority) : null,
    assignee: text(query.assignee),
    group: text(query.group),
    search: text(query.search) ?? '',
  }
}

export function queryOf(view: ListView): LocationQueryRaw {
  return {
    status: view.tab === 'active' ? undefined : view.tab,
    priority: view.priority ?? undefined,
    assignee: view.assignee ?? undefined,
    group: view.group ?? undefined,
    search: view.search.trim() || undefined,
  }
}

export function viewKey(view: ListView): string {
  return JSON.stringify([view.tab, view.priority, view.assignee, view.group, view.search.trim()])
}

export function filtered(view: ListView): boolean {
  return Boolean(view.priority || view.assignee || view.group || view.search.trim())
}
