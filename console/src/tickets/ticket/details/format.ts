// Dates and history values as the Details and History tabs write them.
import { priorityOf, statusOf } from '../../labels'

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function when(iso: string): string {
  return WHEN.format(new Date(iso))
}

const FIELD_NAMES: Record<string, string> = {
  title: 'Title',
  status: 'Status',
  priority: 'Priority',
  assignee: 'Assigned To',
  department: 'Department',
  contact: 'Contact',
  contact_email: 'Contact Email',
  customer: 'Customer',
  sla: 'SLA',
  type: 'Type',
  labels: 'Labels',
}

export function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? field.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase())
}

/** A history value in words: statuses and priorities by their names, the rest as the API wrote it. */
export function valueText(field: string, value: string | null): string {
  if (value === null || value === '') return '—'
  if (field === 'status') return statusOf(value).label
  if (field === 'priority') return priorityOf(value).label
  return value
}
