// The department dialog's sections (10.10), in the manual's order. Each is one component taking the
// dialog's form; a later issue adds its section (Mailbox fields, Auto-Reply Email, Follow-Up Reminder
// Email, Time Tracking, Notifications, Webhooks) as a file here and one entry in this list.
import type { Component } from 'vue'
import CleanupSection from './CleanupSection.vue'
import GeneralSection from './GeneralSection.vue'
import MembersSection from './MembersSection.vue'

export interface DepartmentSection {
  key: string
  title: string
  component: Component
  /** The API fields it shows errors for, so the dialog's general message leaves them out. */
  fields: readonly string[]
}

export const SECTIONS: readonly DepartmentSection[] = [
  {
    key: 'general',
    title: 'General',
    component: GeneralSection,
    fields: ['name', 'description', 'enabled', 'auto_assign_on_open', 'customer_id'],
  },
  {
    key: 'cleanup',
    title: 'Cleanup',
    component: CleanupSection,
    fields: ['cleanup', 'close_inactive_days', 'close_statuses', 'close_note', 'delete_closed_after_days', 'delete_attachment_files'],
  },
  { key: 'members', title: 'Members', component: MembersSection, fields: ['member_ids'] },
]
