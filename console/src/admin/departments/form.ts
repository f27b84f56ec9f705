// The department dialog's one form: every section edits its part of it, and the body the API takes
// is made here, so a later section adds its fields in this one place. The mailbox's part goes to the
// mail gateway (mailbox.ts), the notifications' to the notifier (notifications.ts), the time tracking's
// to the time tracker (timeTracking.ts), the rest to ticketing.
import type { Schemas } from '@/api/client'
import { type MailboxForm, mailboxFormOf } from './mailbox'
import { type NotificationsForm, notificationsFormOf } from './notifications'
import { type TimeTrackingForm, timeTrackingFormOf } from './timeTracking'

export type Department = Schemas['ticketing__DepartmentOut']
export type DepartmentBody = Schemas['ticketing__DepartmentCreate']
export type Cleanup = Schemas['ticketing__Cleanup']
export type ClosableStatus = NonNullable<Cleanup['close_statuses']>[number]

export interface DepartmentForm {
  name: string
  description: string
  enabled: boolean
  auto_assign_on_open: boolean
  customer_id: string | null
  member_ids: string[]
  cleanup: Required<Cleanup>
  mailbox: MailboxForm
  notifications: NotificationsForm
  timeTracking: TimeTrackingForm
}

export function emptyCleanup(): Required<Cleanup> {
  return { close_inactive_days: null, close_statuses: [], close_note: '', delete_closed_after_days: null, delete_attachment_files: false }
}

export function formOf(department: Department | null, customerId: string | null = null): DepartmentForm {
  if (!department) {
    return {
      name: '',
      description: '',
      enabled: true,
      auto_assign_on_open: false,
      customer_id: customerId,
      member_ids: [],
      cleanup: emptyCleanup(),
      mailbox: mailboxFormOf(null),
      notifications: notificationsFormOf(null),
      timeTracking: timeTrackingFormOf(null),
    }
  }
  return {
    name: department.name,
    description: department.description,
    enabled: department.enabled,
    auto_assign_on_open: department.auto_assign_on_open,
    customer_id: department.customer_id ?? null,
    member_ids: department.members.map((member) => member.id),
    cleanup: { ...emptyCleanup(), ...department.cleanup, close_statuses: [...(department.cleanup.close_statuses ?? [])] },
    mailbox: mailboxFormOf(null),
    notifications: notificationsFormOf(null),
    timeTracking: timeTrackingFormOf(null),
  }
}

/** The body for create and edit alike; `withCustomer` is false when the operator cannot see customers,
 * so an edit never clears a link they were not shown. */
export function bodyOf(form: DepartmentForm, withCustomer: boolean): DepartmentBody {
  const { customer_id, mailbox: _mailbox, notifications: _notifications, timeTracking: _timeTracking, ...rest } = form
  return { ...rest, cleanup: { ...form.cleanup }, ...(withCustomer ? { customer_id } : {}) }
}
