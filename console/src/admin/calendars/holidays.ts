// A calendar's holidays (issue 18): a one-off one on its date, a recurring one every year on its month
// and day, whatever year it was entered with.
import type { Schemas } from '@/api/client'

export type Holiday = Schemas['sla-engine__HolidayOut']
export type HolidayBody = Schemas['sla-engine__HolidayCreate']

export interface HolidayForm {
  date: string | null
  name: string
  recurring: boolean
}

export const HOLIDAY_FIELDS = ['date', 'name', 'recurring'] as const

// Dates are days, not moments: formatted in UTC so that no time zone moves them.
const MONTH_DAY = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' })
const FULL_DATE = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', weekday: 'short', timeZone: 'UTC' })

export function blankHoliday(): HolidayForm {
  return { date: null, name: '', recurring: false }
}

export function holidayFormOf(holiday: Holiday): HolidayForm {
  return { date: holiday.date, name: holiday.name, recurring: holiday.recurring }
}

export function holidayBodyOf(form: HolidayForm): HolidayBody {
  // No date travels as null: the engine says, under the field, that one is needed.
  return { date: form.date || (null as unknown as string), name: form.name, recurring: form.recurring }
}

/** "every 25 Dec" or "Thu, 24 Dec 2026". */
export function holidayWhen(holiday: Pick<Holiday, 'date' | 'recurring' | 'month' | 'day'>): string {
  // 2000 was a leap year: 29 February has a month and day there.
  if (holiday.recurring) return `every ${MONTH_DAY.format(Date.UTC(2000, holiday.month - 1, holiday.day))}`
  return FULL_DATE.format(new Date(`${holiday.date}T00:00:00Z`))
}

/** The picker's day (local midnight) of a YYYY-MM-DD date, and back. */
export function dayOf(date: string | null): Date | null {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null
}

export function dateOf(day: Date | null | undefined): string | null {
  if (!(day instanceof Date) || Number.isNaN(day.getTime())) return null
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`
}
