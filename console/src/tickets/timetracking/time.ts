// What the Time Tracking tab and page share (10.4, 10.8): the entries as the time tracker answers them,
// the operator's own time zone (every read and booking is in it), times on the 24-hour clock, and
// durations in words.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'

export type Entry = Schemas['timetracking__EntryOut']
export type DayEntry = Schemas['timetracking__DayEntry']
export type Origin = Entry['origin']
export type EntryBody = Schemas['timetracking__EntryIn']

export const ORIGINS: Record<Origin, { label: string; severity: 'info' | 'success' }> = {
  manual: { label: 'Manual', severity: 'info' },
  automatic: { label: 'Automatic', severity: 'success' },
}

/** The browser's IANA time zone: what the operator's wall clock says is what they type and read. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

// The seed asks for the 24-hour clock whatever the browser's locale would choose.
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

/** HH:MM of an instant in the browser's zone. */
export function clockOf(instant: string | number | Date): string {
  return CLOCK.format(new Date(instant))
}

/** YYYY-MM-DD of an instant (now by default) in the browser's zone. */
export function localDate(instant: number | Date = Date.now()): string {
  const day = new Date(instant)
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`
}

/** The picker's day (local midnight) of a YYYY-MM-DD date. */
export function dayOf(date: string | null): Date | null {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null
}

/** The date `days` after a YYYY-MM-DD date, by the calendar (a day of 23 or 25 hours is one day). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const moved = new Date(Date.UTC(year, month - 1, day + days))
  return `${moved.getUTCFullYear()}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`
}

const LONG_DATE = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })

/** "Tuesday 10 March 2026" of a YYYY-MM-DD date (a day, not a moment: no zone moves it). */
export function longDate(date: string): string {
  return LONG_DATE.format(new Date(`${date}T00:00:00Z`))
}

/** "1 h 30 min", "20 min", "2 min 5 s", "40 s": seconds are said only under an hour. */
export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  const whole = Math.max(0, Math.round(seconds))
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const rest = whole % 60
  const parts = []
  if (hours) parts.push(`${hours} h`)
  if (minutes) parts.push(`${minutes} min`)
  if (!hours && rest) parts.push(`${rest} s`)
  return parts.join(' ') || '0 min'
}

/** "0:12:05": a running timer's elapsed time. */
export function stopwatch(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds))
  return `${Math.floor(whole / 3600)}:${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`
}

export function bookEntry(ticketId: string, body: EntryBody): Promise<Outcome<unknown>> {
  return outcome(api.POST('/api/time/tickets/{ticket_id}/entries', { params: { path: { ticket_id: ticketId } }, body }))
}

export function deleteEntry(ticketId: string, entryId: string): Promise<Outcome<unknown>> {
  return outcome(
    api.DELETE('/api/time/tickets/{ticket_id}/entries/{entry_id}', { params: { path: { ticket_id: ticketId, entry_id: entryId } } }),
  )
}

/** How the delete confirmation names an entry. */
export function entryName(entry: Pick<Entry, 'date' | 'start' | 'end'>, ticketNumber?: string): string {
  const on = ticketNumber ? ` on ${ticketNumber}` : ''
  return `the time entry${on} of ${entry.date}, ${entry.start} to ${entry.end ?? 'now'}`
}

function pad(value: number): string {
  return String(value).padStart(2, '0')
}
