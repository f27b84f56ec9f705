// A business calendar (issue 18) as the calendar dialog edits it: its name, IANA time zone,
// description and weekly hours. The holidays are records of their own (HolidayList.vue).
import type { Schemas } from '@/api/client'
import { officeWeek, periodFields, periodsOf, type Week, weekOf } from './hours'

export type Calendar = Schemas['sla-engine__CalendarOut']
export type CalendarBody = Schemas['sla-engine__CalendarCreate']

export interface CalendarForm {
  name: string
  time_zone: string
  description: string
  week: Week
}

export function formOf(calendar: Calendar | null): CalendarForm {
  return {
    name: calendar?.name ?? '',
    time_zone: calendar?.time_zone ?? browserZone(),
    description: calendar?.description ?? '',
    week: calendar ? weekOf(calendar.working_hours) : officeWeek(),
  }
}

export function bodyOf(form: CalendarForm): CalendarBody {
  return { name: form.name, time_zone: form.time_zone, description: form.description, working_hours: periodsOf(form.week) }
}

/** The fields shown under their inputs: the dialog's own, and each period's. */
export function calendarFields(week: Week): string[] {
  return ['name', 'time_zone', 'description', 'working_hours', ...periodFields(week)]
}

/** The IANA zones the browser knows, with the calendar's own even if the browser calls it otherwise. */
export function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return [...new Set([...known, 'UTC', current].filter(Boolean))].sort()
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}
