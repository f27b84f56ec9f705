// A calendar's weekly working hours (issue 18) as the editor shows them: seven weekday rows (0 is
// Monday, as in the API), each with its periods in order. The API takes them as one list; a period's
// place in that list is how a 422 names it (`working_hours.3.end`), so both directions live here.
import type { Schemas } from '@/api/client'

export type WorkingPeriod = Schemas['sla-engine__WorkingPeriodIn']
export interface Period {
  start: string
  end: string
}
export type Week = Period[][]

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const
const SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const

/** Monday to Friday, 09:00 to 17:00: a new calendar's hours. */
export function officeWeek(): Week {
  return WEEKDAYS.map((_, weekday) => (weekday < 5 ? [{ start: '09:00', end: '17:00' }] : []))
}

export function weekOf(periods: readonly WorkingPeriod[]): Week {
  const week: Week = WEEKDAYS.map(() => [])
  for (const { weekday, start, end } of periods) week[weekday]?.push({ start, end })
  return week
}

export function periodsOf(week: Week): WorkingPeriod[] {
  return week.flatMap((periods, weekday) => periods.map(({ start, end }) => ({ weekday, start: start.trim(), end: end.trim() })))
}

/** The place of a weekday's period in the list periodsOf sends. */
export function bodyIndex(week: Week, weekday: number, index: number): number {
  return week.slice(0, weekday).reduce((count, periods) => count + periods.length, 0) + index
}

/** Every field name a 422 may give a period of this week. */
export function periodFields(week: Week): string[] {
  return periodsOf(week).flatMap((_, index) => [`working_hours.${index}`, `working_hours.${index}.start`, `working_hours.${index}.end`, `working_hours.${index}.weekday`])
}

/** The period a new one follows: the day's first is 09:00-17:00, a later one starts where the last ended. */
export function nextPeriod(periods: readonly Period[]): Period {
  const last = periods[periods.length - 1]
  if (!last) return { start: '09:00', end: '17:00' }
  const minutes = toMinutes(last.end)
  if (minutes === null || minutes >= 23 * 60) return { start: last.end, end: '24:00' }
  return { start: last.end, end: clock(Math.min(minutes + 60, 24 * 60)) }
}

/** "Mon–Fri 09:00–17:00; Sat 10:00–14:00": consecutive days with the same hours read as one. */
export function weekSummary(periods: readonly WorkingPeriod[]): string {
  const week = weekOf(periods).map((day) => day.map(({ start, end }) => `${start}–${end}`).join(', '))
  const parts: string[] = []
  let first = 0
  for (let weekday = 1; weekday <= week.length; weekday++) {
    if (weekday < week.length && week[weekday] === week[first]) continue
    const hours = week[first]
    if (hours) parts.push(`${weekday - 1 === first ? SHORT[first] : `${SHORT[first]}–${SHORT[weekday - 1]}`} ${hours}`)
    first = weekday
  }
  return parts.join('; ') || 'No working hours'
}

/** A pattern refusal in words a person reads; the engine's own sentences stay as they are. */
export function timeMessage(message: string | undefined, end: boolean): string | undefined {
  if (!message?.startsWith('String should match pattern')) return message
  return end ? 'Enter a time as HH:MM, such as 17:00 (24:00 for the end of the day).' : 'Enter a time as HH:MM, such as 09:00.'
}

function toMinutes(text: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(text)
  return match ? Number(match[1]) * 60 + Number(match[2]) : null
}

function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}
