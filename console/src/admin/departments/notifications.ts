// A department's Notifications section (10.10), served by the notifier: the recipients as one
// comma-separated text and the eight event checkboxes; each selected event is one e-mail to each
// recipient. Saved whole, after the department itself (DepartmentDialog.vue).
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type NotificationSettings = Schemas['notifier__NotificationSettingsOut']
export type NotificationBody = Schemas['notifier__NotificationSettingsIn']
export type NotificationEvents = Required<Schemas['notifier__NotificationEvents']>

export interface NotificationsForm {
  recipients: string
  events: NotificationEvents
  /** Null before the notifier answered, or for a department not yet created. */
  stored: NotificationSettings | null
  /** Why the stored settings could not be read: the fields are then not offered, so a save cannot
   * overwrite settings nobody was shown. */
  unreadable: Problem | null
  /** While the stored settings are being read the fields wait, so nothing typed is overwritten. */
  loading: boolean
}

function noEvents(): NotificationEvents {
  return {
    ticket_created: false, ticket_updated: false, ticket_closed: false, ticket_assigned: false,
    comment_added: false, sla_warning: false, sla_breached: false, auto_closed: false,
  }
}

export function notificationsFormOf(stored: NotificationSettings | null): NotificationsForm {
  return {
    recipients: stored?.recipients ?? '',
    events: { ...noEvents(), ...stored?.events },
    stored,
    unreadable: null,
    loading: false,
  }
}

export function notificationsBodyOf(form: NotificationsForm): NotificationBody {
  return { recipients: form.recipients, events: { ...form.events } }
}

/** Whether saving has anything to tell the notifier: settings were saved before, or a field moved. */
export function notificationsTouched(form: NotificationsForm): boolean {
  if (form.unreadable || form.loading) return false
  if (form.stored?.updated_at) return true
  return JSON.stringify(notificationsBodyOf(form)) !== JSON.stringify(notificationsBodyOf(notificationsFormOf(null)))
}

const path = (department_id: string) => ({ params: { path: { department_id } } })
const NOTIFICATIONS = '/api/notifications/departments/{department_id}/notifications'

export function readNotifications(departmentId: string): Promise<Outcome<NotificationSettings>> {
  return outcome(api.GET(NOTIFICATIONS, path(departmentId)))
}

/** The notifier hears of a new department from ticketing moments after it is created, so a 404 just
 * after the creation is tried again for a while (as the mailbox is, mailbox.ts). */
export async function saveNotifications(
  departmentId: string,
  body: NotificationBody,
  justCreated: boolean,
): Promise<Outcome<NotificationSettings>> {
  const deadline = Date.now() + (justCreated ? 15_000 : 0)
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    const answer = await outcome(api.PUT(NOTIFICATIONS, { ...path(departmentId), body }))
    if (answer.ok || answer.problem.status !== 404 || Date.now() + wait > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
}
