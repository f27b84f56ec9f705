// Webhooks (10.16), served by the notifier, of one scope: a department's, which fire on its tickets'
// events, or the ITSM account's, which fire on incident events (an incident has no department). The
// form's shape, each scope's events, placeholders and default body, and the calls the dialog makes.
// The signing secret comes back only from create and rotate, and is shown those once.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'

export type DepartmentWebhook = Schemas['notifier__WebhookOut']
export type ItsmWebhook = Schemas['notifier__ItsmWebhookOut']
export type Webhook = DepartmentWebhook | ItsmWebhook
export type WebhookCreated = Schemas['notifier__WebhookWithSecret'] | Schemas['notifier__ItsmWebhookWithSecret']
export type WebhookBody = Schemas['notifier__WebhookIn']
type ItsmWebhookBody = Schemas['notifier__ItsmWebhookIn']
export type WebhookTestResult = Schemas['notifier__WebhookTestResult']
export type Delivery = Schemas['notifier__DeliveryOut']
export type Attempt = Schemas['notifier__AttemptOut']
export type Method = Webhook['method']
export type EventName = Webhook['events'][number]

/** Whose webhooks: a department's, or (no id) the ITSM account's. */
export type WebhookScope = { kind: 'department'; id: string; name: string } | { kind: 'itsm'; name: string }

export const METHODS: readonly Method[] = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE']

export const EVENTS: readonly { value: DepartmentWebhook['events'][number]; label: string }[] = [
  { value: 'ticket_created', label: 'Ticket Created' },
  { value: 'ticket_updated', label: 'Ticket Updated' },
  { value: 'ticket_closed', label: 'Ticket Closed' },
  { value: 'ticket_assigned', label: 'Ticket Assigned' },
  { value: 'comment_added', label: 'Comment Added' },
  { value: 'sla_warning', label: 'SLA Warning' },
  { value: 'sla_breached', label: 'SLA Breached' },
  { value: 'auto_closed', label: 'Auto-Closed' },
]

export const INCIDENT_EVENTS: readonly { value: ItsmWebhook['events'][number]; label: string }[] = [
  { value: 'incident_created', label: 'Incident Created' },
  { value: 'incident_updated', label: 'Incident Updated' },
  { value: 'incident_assigned', label: 'Incident Assigned' },
  { value: 'incident_acknowledged', label: 'Incident Acknowledged' },
  { value: 'incident_escalated', label: 'Incident Escalated' },
  { value: 'incident_resolved', label: 'Incident Resolved' },
  { value: 'incident_reopened', label: 'Incident Reopened' },
  { value: 'incident_closed', label: 'Incident Closed' },
]

export const PLACEHOLDERS = [
  'ticket_number', 'subject', 'status', 'priority', 'assigned_to', 'customer', 'department', 'event', 'timestamp', 'url',
] as const

export const INCIDENT_PLACEHOLDERS = [
  'incident_number', 'title', 'status', 'priority', 'severity', 'impact', 'urgency', 'host', 'source', 'rule',
  'assigned_to', 'assignment_group_id', 'escalation_level', 'resolution_code', 'note', 'event', 'timestamp', 'url',
] as const

// 10.16's default body, in its order, as the notifier stores it when none is given.
export const DEFAULT_BODY = `{
  "event": "{{event}}",
  "ticket_number": "{{ticket_number}}",
  "subject": "{{subject}}",
  "status": "{{status}}",
  "priority": "{{priority}}",
  "assigned_to": "{{assigned_to}}",
  "customer": "{{customer}}",
  "department": "{{department}}",
  "timestamp": "{{timestamp}}",
  "url": "{{url}}"
}`
// An ITSM webhook's default body, as the notifier stores it when none is given.
export const INCIDENT_DEFAULT_BODY = `{
  "event": "{{event}}",
  "incident_number": "{{incident_number}}",
  "title": "{{title}}",
  "status": "{{status}}",
  "priority": "{{priority}}",
  "severity": "{{severity}}",
  "host": "{{host}}",
  "assigned_to": "{{assigned_to}}",
  "timestamp": "{{timestamp}}",
  "url": "{{url}}"
}`
export const DEFAULT_HEADERS = '{\n  "Content-Type": "application/json"\n}'

/** What a scope's webhooks may fire on and fill in. */
export interface Vocabulary {
  events: readonly { value: EventName; label: string }[]
  placeholders: readonly string[]
  defaultBody: string
  /** What their events are about, for the dialog's words. */
  about: string
}

export function vocabularyOf(scope: WebhookScope): Vocabulary {
  return scope.kind === 'itsm'
    ? { events: INCIDENT_EVENTS, placeholders: INCIDENT_PLACEHOLDERS, defaultBody: INCIDENT_DEFAULT_BODY, about: 'incident' }
    : { events: EVENTS, placeholders: PLACEHOLDERS, defaultBody: DEFAULT_BODY, about: 'ticket' }
}

/** What the form edits: body and headers as the text in their editors. */
export interface WebhookForm {
  name: string
  description: string
  url: string
  method: Method
  body: string
  headers: string
  events: EventName[]
  enabled: boolean
}

export function webhookFormOf(webhook: Webhook | null, scope: WebhookScope): WebhookForm {
  if (!webhook) {
    const body = vocabularyOf(scope).defaultBody
    return { name: '', description: '', url: '', method: 'POST', body, headers: DEFAULT_HEADERS, events: [], enabled: true }
  }
  return {
    name: webhook.name,
    description: webhook.description,
    url: webhook.url,
    method: webhook.method,
    body: webhook.body,
    headers: JSON.stringify(webhook.headers, null, 2),
    events: [...webhook.events],
    enabled: webhook.enabled,
  }
}

/** The headers go as the editor's text when it is not JSON: the notifier then names `headers` in its
 * 422, so the words under the field are the server's, the same as for every other field. The events
 * are the scope's own, as the form offers only those. */
export function webhookBodyOf(form: WebhookForm): WebhookBody {
  let headers: unknown = form.headers
  try {
    headers = JSON.parse(form.headers)
  } catch {
    // left as text on purpose
  }
  return { ...form, events: [...form.events] as WebhookBody['events'], headers: headers as WebhookBody['headers'] }
}

const itsmBody = (body: WebhookBody) => body as unknown as ItsmWebhookBody
const base = (department_id: string) => ({ params: { path: { department_id } } })
const one = (department_id: string, webhook_id: string) => ({ params: { path: { department_id, webhook_id } } })
const itsmOne = (webhook_id: string) => ({ params: { path: { webhook_id } } })
const WEBHOOKS = '/api/notifications/departments/{department_id}/webhooks'
const WEBHOOK = '/api/notifications/departments/{department_id}/webhooks/{webhook_id}'
const ITSM_WEBHOOK = '/api/notifications/itsm/webhooks/{webhook_id}'

export function listWebhooks(scope: WebhookScope): Promise<Outcome<Webhook[]>> {
  if (scope.kind === 'itsm') return outcome(api.GET('/api/notifications/itsm/webhooks'))
  return outcome(api.GET(WEBHOOKS, base(scope.id)))
}

export function createWebhook(scope: WebhookScope, body: WebhookBody): Promise<Outcome<WebhookCreated>> {
  if (scope.kind === 'itsm') return outcome(api.POST('/api/notifications/itsm/webhooks', { body: itsmBody(body) }))
  return outcome(api.POST(WEBHOOKS, { ...base(scope.id), body }))
}

export function changeWebhook(scope: WebhookScope, webhookId: string, body: WebhookBody): Promise<Outcome<Webhook>> {
  if (scope.kind === 'itsm') return outcome(api.PATCH(ITSM_WEBHOOK, { ...itsmOne(webhookId), body: itsmBody(body) }))
  return outcome(api.PATCH(WEBHOOK, { ...one(scope.id, webhookId), body }))
}

export function deleteWebhook(scope: WebhookScope, webhookId: string): Promise<Outcome<unknown>> {
  if (scope.kind === 'itsm') return outcome(api.DELETE(ITSM_WEBHOOK, itsmOne(webhookId)))
  return outcome(api.DELETE(WEBHOOK, one(scope.id, webhookId)))
}

export async function rotateSecret(scope: WebhookScope, webhookId: string): Promise<Outcome<string>> {
  const answer = await outcome(
    scope.kind === 'itsm'
      ? api.POST('/api/notifications/itsm/webhooks/{webhook_id}/rotate-secret', itsmOne(webhookId))
      : api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/rotate-secret', one(scope.id, webhookId)),
  )
  return answer.ok ? { ok: true, data: answer.data.secret } : answer
}

export function testWebhook(scope: WebhookScope, webhookId: string): Promise<Outcome<WebhookTestResult>> {
  if (scope.kind === 'itsm') return outcome(api.POST('/api/notifications/itsm/webhooks/{webhook_id}/test', itsmOne(webhookId)))
  return outcome(api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/test', one(scope.id, webhookId)))
}

export const DELIVERY_PAGE = 20

/** One page of the delivery log, newest first; `before`: the last id of the page before. */
export function listDeliveries(scope: WebhookScope, webhookId: string, before?: string): Promise<Outcome<Delivery[]>> {
  const query = { limit: DELIVERY_PAGE, before }
  if (scope.kind === 'itsm') {
    return outcome(
      api.GET('/api/notifications/itsm/webhooks/{webhook_id}/deliveries', { params: { path: { webhook_id: webhookId }, query } }),
    )
  }
  return outcome(
    api.GET('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/deliveries', {
      params: { path: { department_id: scope.id, webhook_id: webhookId }, query },
    }),
  )
}

export function redeliver(scope: WebhookScope, webhookId: string, deliveryId: string): Promise<Outcome<Delivery>> {
  if (scope.kind === 'itsm') {
    return outcome(
      api.POST('/api/notifications/itsm/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
        params: { path: { webhook_id: webhookId, delivery_id: deliveryId } },
      }),
    )
  }
  return outcome(
    api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
      params: { path: { department_id: scope.id, webhook_id: webhookId, delivery_id: deliveryId } },
    }),
  )
}
