// The words and colours the ticket pages share for statuses, priorities and SLA states.
import type { Schemas } from '@/api/client'

export type TicketStatus = Schemas['ticketing__TicketStatus']
export type TicketPriority = Schemas['ticketing__TicketPriority']

export const STATUSES: { value: TicketStatus; label: string; severity: string }[] = [
  { value: 'open', label: 'Open', severity: 'info' },
  { value: 'in_progress', label: 'In Progress', severity: 'warn' },
  { value: 'waiting', label: 'Waiting', severity: 'secondary' },
  { value: 'resolved', label: 'Resolved', severity: 'success' },
  { value: 'closed', label: 'Closed', severity: 'contrast' },
]

export const PRIORITIES: { value: TicketPriority; label: string; severity: string }[] = [
  { value: 'low', label: 'Low', severity: 'secondary' },
  { value: 'medium', label: 'Medium', severity: 'info' },
  { value: 'high', label: 'High', severity: 'warn' },
  { value: 'critical', label: 'Critical', severity: 'danger' },
]

export function statusOf(value: string): { label: string; severity: string } {
  return STATUSES.find((status) => status.value === value) ?? { label: value, severity: 'secondary' }
}

export function priorityOf(value: string): { label: string; severity: string } {
  return PRIORITIES.find((priority) => priority.value === value) ?? { label: value, severity: 'secondary' }
}
