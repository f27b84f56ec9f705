// A department's mailbox (10.10: the General mailbox fields, Auto-Reply Email, Follow-Up Reminder
// Email), served by the mail gateway beside the department itself. Secrets are never sent to the
// console: the read says whether one is stored, and the form keeps, replaces or clears it.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'
import type { BodyFormat } from '@/shared/BodyEditor.vue'
import { htmlOf } from '@/shared/sanitize'

export type MailboxSettings = Schemas['mail-gateway__MailboxSettingsOut']
export type MailboxBody = Schemas['mail-gateway__MailboxSettingsIn']
export type MailboxHealth = Schemas['mail-gateway__MailboxHealthOut']
export type MailboxTestResult = Schemas['mail-gateway__MailboxTestResult']

export const SECRET_NAMES = ['imap_password', 'smtp_password', 'oauth_client_secret', 'oauth_refresh_token'] as const
export type SecretName = (typeof SECRET_NAMES)[number]

/** keep: the stored value stays (left out of the PUT); replace: `value` is sent; clear: null is sent. */
export interface SecretInput {
  action: 'keep' | 'replace' | 'clear'
  value: string
}

type Values = Required<Omit<MailboxBody, SecretName>>

export interface MailboxForm {
  values: Values
  secrets: Record<SecretName, SecretInput>
  autoReplyFormat: BodyFormat
  followUpFormat: BodyFormat
  /** What the mail gateway last said; null before it answered (or for a department not yet created). */
  stored: MailboxSettings | null
  /** Why the stored settings could not be read: the fields are then not offered, so a save cannot
   * overwrite settings nobody was shown. */
  unreadable: Problem | null
}

const SETTING_KEYS = [
  'enabled', 'auth_method', 'imap_host', 'imap_port', 'imap_tls', 'imap_username', 'imap_folder', 'smtp_host',
  'smtp_port', 'smtp_tls', 'smtp_username', 'from_address', 'from_name', 'oauth_token_endpoint', 'oauth_client_id',
  'oauth_scope', 'oauth_mechanism', 'auto_reply_enabled', 'auto_reply_subject', 'auto_reply_body_html',
  'follow_up_enabled', 'follow_up_after_days', 'follow_up_subject', 'follow_up_body_html',
] as const satisfies readonly (keyof Values)[]

function defaults(): Values {
  return {
    enabled: true, auth_method: 'password', imap_host: '', imap_port: 993, imap_tls: 'implicit', imap_username: '',
    imap_folder: 'INBOX', smtp_host: '', smtp_port: 465, smtp_tls: 'implicit', smtp_username: '', from_address: '',
    from_name: '', oauth_token_endpoint: '', oauth_client_id: '', oauth_scope: '', oauth_mechanism: 'XOAUTH2',
    auto_reply_enabled: false, auto_reply_subject: '', auto_reply_body_html: '', follow_up_enabled: false,
    follow_up_after_days: 3, follow_up_subject: '', follow_up_body_html: '',
  }
}

function keptSecrets(): Record<SecretName, SecretInput> {
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, { action: 'keep', value: '' }])) as Record<SecretName, SecretInput>
}

export function mailboxFormOf(stored: MailboxSettings | null): MailboxForm {
  const values = defaults()
  if (stored) for (const key of SETTING_KEYS) (values as Record<string, unknown>)[key] = stored[key]
  return { values, secrets: keptSecrets(), autoReplyFormat: 'html', followUpFormat: 'html', stored, unreadable: null }
}

export function mailboxBodyOf(form: MailboxForm): MailboxBody {
  const body: MailboxBody = { ...form.values }
  if (form.autoReplyFormat === 'plain_text') body.auto_reply_body_html = htmlOf(form.values.auto_reply_body_html)
  if (form.followUpFormat === 'plain_text') body.follow_up_body_html = htmlOf(form.values.follow_up_body_html)
  for (const name of SECRET_NAMES) {
    const secret = form.secrets[name]
    if (secret.action === 'clear') body[name] = null
    // An empty replacement is no replacement: clearing is its own action.
    else if (secret.action === 'replace' && secret.value) body[name] = secret.value
  }
  return body
}

/** Whether saving the dialog has anything to tell the mail gateway: a mailbox exists, or a field moved. */
export function mailboxTouched(form: MailboxForm): boolean {
  if (form.unreadable) return false
  if (form.stored?.configured) return true
  const untouched = mailboxFormOf(null)
  return JSON.stringify(mailboxBodyOf(form)) !== JSON.stringify(mailboxBodyOf(untouched))
}

const path = (department_id: string) => ({ params: { path: { department_id } } })

export function readMailbox(departmentId: string): Promise<Outcome<MailboxSettings>> {
  return outcome(api.GET('/api/mail/departments/{department_id}/mailbox', path(departmentId)))
}

/** The mail gateway hears of a new department from ticketing moments after it is created, so a 404
 * just after the creation is tried again for a while. */
export async function saveMailbox(departmentId: string, body: MailboxBody, justCreated: boolean): Promise<Outcome<MailboxSettings>> {
  const deadline = Date.now() + (justCreated ? 15_000 : 0)
  for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
    const answer = await outcome(api.PUT('/api/mail/departments/{department_id}/mailbox', { ...path(departmentId), body }))
    if (answer.ok || answer.problem.status !== 404 || Date.now() + wait > deadline) return answer
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
}

export function readHealth(departmentId: string): Promise<Outcome<MailboxHealth>> {
  return outcome(api.GET('/api/mail/departments/{department_id}/mailbox/health', path(departmentId)))
}

export function testServer(departmentId: string, server: 'imap' | 'smtp'): Promise<Outcome<MailboxTestResult>> {
  return server === 'imap'
    ? outcome(api.POST('/api/mail/departments/{department_id}/mailbox/test-imap', path(departmentId)))
    : outcome(api.POST('/api/mail/departments/{department_id}/mailbox/test-smtp', path(departmentId)))
}
