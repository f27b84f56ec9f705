// An SLA definition (10.15, issue 18) as the SLA dialog edits it. The thresholds are shares of a
// window still left (0.5 = half of it); the dialog speaks of them in percent. The clock is the wall
// clock (the API's null) or a business calendar.
import type { Schemas } from '@/api/client'

export type Sla = Schemas['sla-engine__SlaDefinitionOut']
export type SlaBody = Schemas['sla-engine__SlaDefinitionCreate']
export type Calendar = Schemas['sla-engine__CalendarOut']
type Override = Sla['priority_override']
export type OnReopen = Sla['on_reopen']
// The Selects' words for "none" (null in the API): a Select shows its placeholder for null.
export type OverrideChoice = NonNullable<Override> | 'none'
export const WALL_CLOCK = 'wall-clock'

export const OVERRIDES: { label: string; value: OverrideChoice }[] = [
  { label: 'None', value: 'none' },
  { label: 'Low', value: 'low' },
  { label: 'Medium', value: 'medium' },
  { label: 'High', value: 'high' },
  { label: 'Critical', value: 'critical' },
]

export const REOPEN_RULES: { label: string; value: OnReopen; help: string }[] = [
  { label: 'Keep the deadlines set at creation', value: 'keep_deadlines', help: 'A reopened ticket is as late as it was.' },
  { label: 'Count again from the reopening', value: 'restart_from_reopen', help: 'Both windows start over when the ticket is reopened.' },
]

export const SLA_FIELDS = [
  'name', 'response_hours', 'resolution_hours', 'warning_share', 'critical_share', 'calendar_id',
  'pause_while_waiting', 'on_reopen', 'priority_override', 'description',
] as const

export interface SlaForm {
  name: string
  response_hours: number | null
  resolution_hours: number | null
  /** Percent of the window still left. */
  warning_percent: number | null
  critical_percent: number | null
  clock: string
  pause_while_waiting: boolean
  on_reopen: OnReopen
  priority_override: OverrideChoice
  description: string
}

export function blankSla(): SlaForm {
  return {
    name: '', response_hours: null, resolution_hours: null, warning_percent: 50, critical_percent: 20,
    clock: WALL_CLOCK, pause_while_waiting: false, on_reopen: 'keep_deadlines', priority_override: 'none', description: '',
  }
}

export function slaFormOf(sla: Sla): SlaForm {
  return {
    name: sla.name,
    response_hours: sla.response_hours ?? null,
    resolution_hours: sla.resolution_hours ?? null,
    warning_percent: percentOf(sla.warning_share),
    critical_percent: percentOf(sla.critical_share),
    clock: sla.calendar_id ?? WALL_CLOCK,
    pause_while_waiting: sla.pause_while_waiting,
    on_reopen: sla.on_reopen,
    priority_override: sla.priority_override ?? 'none',
    description: sla.description,
  }
}

export function slaBodyOf(form: SlaForm): SlaBody {
  return {
    name: form.name,
    response_hours: form.response_hours,
    resolution_hours: form.resolution_hours,
    warning_share: shareOf(form.warning_percent),
    critical_share: shareOf(form.critical_percent),
    calendar_id: form.clock === WALL_CLOCK ? null : form.clock,
    pause_while_waiting: form.pause_while_waiting,
    on_reopen: form.on_reopen,
    priority_override: form.priority_override === 'none' ? null : form.priority_override,
    description: form.description,
  }
}

export function percentOf(share: number): number {
  return Number((share * 100).toFixed(1))
}

function shareOf(percent: number | null): number {
  // An emptied field travels as null: the SLA engine refuses it, in words, under the field.
  return percent === null ? (null as unknown as number) : Number((percent / 100).toFixed(4))
}

export function overrideLabel(value: Override): string {
  return OVERRIDES.find((option) => option.value === (value ?? 'none'))?.label ?? String(value)
}

/** What the thresholds mean for the response window, in hours before its deadline. */
export function thresholdsExample(form: Pick<SlaForm, 'response_hours' | 'warning_percent' | 'critical_percent'>): string {
  const { response_hours: hours, warning_percent: warning, critical_percent: critical } = form
  if (!hours || hours <= 0 || warning === null || critical === null) return ''
  const left = (percent: number) => `${Number(((hours * percent) / 100).toFixed(2))} h`
  return `For a response time of ${hours} h: a warning ${left(warning)} before the deadline, critical ${left(critical)} before it.`
}
