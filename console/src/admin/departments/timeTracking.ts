// A department's Time Tracking section (10.10), served by the time tracker: whether the auto-timer
// runs, its idle and confirm timeouts, and the rounding step and mode of booked durations. Saved whole,
// after the department itself (DepartmentDialog.vue); the time tracker checks each range and says it.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type TimeSettings = Schemas['timetracking__TimeSettingsOut']
export type TimeSettingsBody = Schemas['timetracking__TimeSettingsIn']
export type RoundingMode = TimeSettings['rounding_mode']

export const TIME_TRACKING_FIELDS = ['idle_timeout_minutes', 'confirm_timeout_minutes', 'rounding_minutes', 'rounding_mode'] as const

export interface TimeTrackingForm {
  enabled: boolean
  /** Null while a number field is empty: sent so, the time tracker says under it that one is needed. */
  idle_timeout_minutes: number | null
  confirm_timeout_minutes: number | null
  rounding_minutes: number | null
  rounding_mode: RoundingMode
  /** Null before the time tracker answered, or for a department not yet created. */
  stored: TimeSettings | null
  /** Why the stored settings could not be read: the fields are then not offered, so a save cannot
   * overwrite settings nobody was shown. */
  unreadable: Problem | null
  /** While the stored settings are being read the fields wait, so nothing typed is overwritten. */
  loading: boolean
}

/** The time tracker's defaults (docs/timetracking.md) for a department never saved. */
export function timeTrackingFormOf(stored: TimeSettings | null): TimeTrackingForm {
  return {
    enabled: stored?.enabled ?? false,
    idle_timeout_minutes: stored?.idle_timeout_minutes ?? 5,
    confirm_timeout_minutes: stored?.confirm_timeout_minutes ?? 60,
    rounding_minutes: stored?.rounding_minutes ?? 0,
    rounding_mode: stored?.rounding_mode ?? 'up',
    stored,
    unreadable: null,
    loading: false,
  }
}

export function timeTrackingBodyOf(form: TimeTrackingForm): TimeSettingsBody {
  const { enabled, idle_timeout_minutes, confirm_timeout_minutes, rounding_minutes, rounding_mode } = form
  return { enabled, idle_timeout_minutes, confirm_timeout_minutes, rounding_minutes, rounding_mode } as TimeSettingsBody
}

/** Whether saving has anything to tell the time tracker: settings were saved before, or a field moved. */
export function timeTrackingTouched(form: TimeTrackingForm): boolean {
  if (form.unreadable || form.loading) return false
  if (form.stored?.updated_at) return true
  return JSON.stringify(timeTrackingBodyOf(form)) !== JSON.stringify(timeTrackingBodyOf(timeTrackingFormOf(null)))
}

const path = (department_id: string) => ({ params: { path: { department_id } } })
const TIME_TRACKING = '/api/time/departments/{department_id}/time-tracking'

export function readTimeTracking(departmentId: string): Promise<Outcome<TimeSettings>> {
  return outcome(api.GET(TIME_TRACKING, path(departmentId)))
}

/** The time tracker hears of a new department from ticketing moments after it is created, so a 404 just
 * after the creation is tried again for a while (as the mailbox is, mailbox.ts). */
export async function saveTimeTracking(
  departmentId: string,
  body: TimeSettingsBody,
  justCreated: boolean,
): Promise<Outcome<TimeSettings>> {
  const deadline = Date.now() + (justCreated ? 15_000 : 0)
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    const answer = await outcome(api.PUT(TIME_TRACKING, { ...path(departmentId), body }))
    if (answer.ok || answer.problem.status !== 404 || Date.now() + wait > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
}
