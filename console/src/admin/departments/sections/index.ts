// The department dialog's sections (10.10), in the manual's order. Each is one component taking the
// dialog's form; a later section is a file here and one entry in this list.
import type { Component } from 'vue'
import { TIME_TRACKING_FIELDS } from '../timeTracking'
import AutoReplySection from './AutoReplySection.vue'
import CleanupSection from './CleanupSection.vue'
import FollowUpSection from './FollowUpSection.vue'
import GeneralSection from './GeneralSection.vue'
import MembersSection from './MembersSection.vue'
import NotificationsSection from './NotificationsSection.vue'
import TimeTrackingSection from './TimeTrackingSection.vue'
import WebhooksSection from './WebhooksSection.vue'

const MAILBOX_FIELDS = [
  'auth_method', 'imap_host', 'imap_port', 'imap_tls', 'imap_username', 'imap_password', 'imap_folder', 'smtp_host',
  'smtp_port', 'smtp_tls', 'smtp_username', 'smtp_password', 'from_address', 'from_name', 'oauth_token_endpoint',
  'oauth_client_id', 'oauth_client_secret', 'oauth_refresh_token', 'oauth_scope', 'oauth_mechanism',
]

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
    fields: ['name', 'description', 'enabled', 'auto_assign_on_open', 'customer_id', ...MAILBOX_FIELDS],
  },
  {
    key: 'auto-reply',
    title: 'Auto-Reply Email',
    component: AutoReplySection,
    fields: ['auto_reply_enabled', 'auto_reply_subject', 'auto_reply_body_html'],
  },
  {
    key: 'follow-up',
    title: 'Follow-Up Reminder Email',
    component: FollowUpSection,
    fields: ['follow_up_enabled', 'follow_up_after_days', 'follow_up_subject', 'follow_up_body_html'],
  },
  { key: 'time-tracking', title: 'Time Tracking', component: TimeTrackingSection, fields: TIME_TRACKING_FIELDS },
  {
    key: 'cleanup',
    title: 'Cleanup',
    component: CleanupSection,
    fields: ['cleanup', 'close_inactive_days', 'close_statuses', 'close_note', 'delete_closed_after_days', 'delete_attachment_files'],
  },
  { key: 'notifications', title: 'Notifications', component: NotificationsSection, fields: ['recipients', 'events'] },
  { key: 'webhooks', title: 'Webhooks', component: WebhooksSection, fields: [] },
  { key: 'members', title: 'Members', component: MembersSection, fields: ['member_ids'] },
]
