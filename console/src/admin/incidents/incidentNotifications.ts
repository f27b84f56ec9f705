// Settings, Incident Notifications: the ITSM account's e-mail rules for incident events, served by the
// notifier (one rule per event: its recipients, the assignee, the priorities it is sent for) and the
// department whose mailbox sends them, since an incident has no department of its own. Saved whole.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'

export type IncidentNotifications = Schemas['notifier__IncidentNotificationsOut']
export type IncidentNotificationsBody = Schemas['notifier__IncidentNotificationsIn']
export type IncidentRule = Required<Schemas['notifier__IncidentEventRule']>
export type IncidentEventName = keyof Schemas['notifier__IncidentNotificationEvents']
export type Priority = IncidentRule['priorities'][number]
export type SenderDepartment = Schemas['notifier__SenderDepartment']

export const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4']

export interface IncidentNotificationsForm {
  sender_department_id: string | null
  events: Record<IncidentEventName, IncidentRule>
}

const EVENT_NAMES: readonly IncidentEventName[] = [
  'incident_created', 'incident_updated', 'incident_assigned', 'incident_acknowledged',
  'incident_escalated', 'incident_resolved', 'incident_reopened', 'incident_closed',
]

export function incidentNotificationsFormOf(stored: IncidentNotifications | null): IncidentNotificationsForm {
  const events = Object.fromEntries(
    EVENT_NAMES.map((name) => {
      const rule = stored?.events[name]
      return [name, { recipients: rule?.recipients ?? '', assignee: rule?.assignee ?? false, priorities: [...(rule?.priorities ?? [])] }]
    }),
  ) as Record<IncidentEventName, IncidentRule>
  return { sender_department_id: stored?.sender_department_id ?? null, events }
}

export function incidentNotificationsBodyOf(form: IncidentNotificationsForm): IncidentNotificationsBody {
  const events = Object.fromEntries(
    EVENT_NAMES.map((name) => [name, { ...form.events[name], priorities: [...form.events[name].priorities] }]),
  ) as IncidentNotificationsBody['events']
  return { sender_department_id: form.sender_department_id, events }
}

const PATH = '/api/notifications/itsm/notifications'

export function readIncidentNotifications(): Promise<Outcome<IncidentNotifications>> {
  return outcome(api.GET(PATH))
}

export function saveIncidentNotifications(body: IncidentNotificationsBody): Promise<Outcome<IncidentNotifications>> {
  return outcome(api.PUT(PATH, { body }))
}

export function listSenderDepartments(): Promise<Outcome<SenderDepartment[]>> {
  return outcome(api.GET('/api/notifications/itsm/notifications/departments'))
}
