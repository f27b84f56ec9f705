// The words and colours the ITSM pages share for an incident's status, priority, severity, levels and
// resolution codes (the chip severities are QueueChip's and PrimeVue Tag's).
import type { Schemas } from '@/api/client'

export type Incident = Schemas['itsm__IncidentOut']
export type IncidentStatus = Incident['status']
export type IncidentPriority = Incident['priority']
export type Severity = Incident['severity']
export type Level = Incident['impact']
export type ResolutionCode = NonNullable<Incident['resolution_code']>

interface Label<T extends string> {
  value: T
  label: string
  severity: 'info' | 'warn' | 'success' | 'danger' | 'secondary' | 'contrast'
}

export const STATUSES: Label<IncidentStatus>[] = [
  { value: 'open', label: 'Open', severity: 'danger' },
  { value: 'acknowledged', label: 'Acknowledged', severity: 'warn' },
  { value: 'resolved', label: 'Resolved', severity: 'success' },
  { value: 'closed', label: 'Closed', severity: 'contrast' },
]

export const PRIORITIES: Label<IncidentPriority>[] = [
  { value: 'P1', label: 'P1 Critical', severity: 'danger' },
  { value: 'P2', label: 'P2 High', severity: 'warn' },
  { value: 'P3', label: 'P3 Moderate', severity: 'info' },
  { value: 'P4', label: 'P4 Low', severity: 'secondary' },
]

export const SEVERITIES: Label<Severity>[] = [
  { value: 'critical', label: 'Critical', severity: 'danger' },
  { value: 'error', label: 'Error', severity: 'warn' },
  { value: 'warning', label: 'Warning', severity: 'info' },
  { value: 'info', label: 'Info', severity: 'secondary' },
]

export const LEVELS: { value: Level; label: string }[] = [
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
]

export const RESOLUTION_CODES: { value: ResolutionCode; label: string }[] = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'workaround', label: 'Workaround' },
  { value: 'duplicate', label: 'Duplicate' },
  { value: 'not_reproducible', label: 'Not reproducible' },
  { value: 'by_design', label: 'By design' },
]

function find<T extends string>(list: Label<T>[], value: string): Label<T> | { value: string; label: string; severity: 'secondary' } {
  return list.find((item) => item.value === value) ?? { value, label: value, severity: 'secondary' }
}

export const statusOf = (value: string) => find(STATUSES, value)
export const priorityOf = (value: string) => find(PRIORITIES, value)
export const severityOf = (value: string) => find(SEVERITIES, value)

export function levelLabel(value: string): string {
  return LEVELS.find((level) => level.value === value)?.label ?? value
}

export function resolutionLabel(value: string | null | undefined): string {
  if (!value) return '—'
  return RESOLUTION_CODES.find((code) => code.value === value)?.label ?? value
}

/** Who holds it, in words: the operator, the identity-provider user and the group, or nobody. */
export function holderText(incident: Incident, groupName: (id: string) => string): string {
  const parts = [
    incident.assignee_username ?? null,
    incident.assignee_idp_user ? `${incident.assignee_idp_user} (identity provider)` : null,
    incident.assignment_group_id ? groupName(incident.assignment_group_id) : null,
  ].filter((part): part is string => Boolean(part))
  return parts.length ? parts.join(', ') : 'Unassigned'
}
