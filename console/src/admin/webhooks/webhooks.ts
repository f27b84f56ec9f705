// A department's webhooks (10.16), served by the notifier: the form's shape, its defaults, and the
// calls the dialog makes. The signing secret comes back only from create and rotate, and is shown
// those once.
import { api, type Schemas } from '@/api/client'
import { type Outcome, outcome } from '@/api/outcome'

export type Webhook = Schemas['notifier__WebhookOut']
export type WebhookCreated = Schemas['notifier__WebhookWithSecret']
export type WebhookBody = Schemas['notifier__WebhookIn']
export type WebhookTestResult = Schemas['notifier__WebhookTestResult']
export type Delivery = Schemas['notifier__DeliveryOut']
export type Attempt = Schemas['notifier__AttemptOut']
export type Method = Webhook['method']
export type EventName = Webhook['events'][number]

export const METHODS: readonly Method[] = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE']

export const EVENTS: readonly { value: EventName; label: string }[] = [
  { value: 'ticket_created', label: 'Ticket Created' },
  { value: 'ticket_updated', label: 'Ticket Updated' },
  { value: 'ticket_closed', label: 'Ticket Closed' },
  { value: 'ticket_assigned', label: 'Ticket Assigned' },
  { value: 'comment_added', label: 'Comment Added' },
  { value: 'sla_warning', label: 'SLA Warning' },
  { value: 'sla_breached', label: 'SLA Breached' },
  { value: 'auto_closed', label: 'Auto-Closed' },
]

export const PLACEHOLDERS = [
  'ticket_number', 'subject', 'status', 'priority', 'assigned_to', 'customer', 'department', 'event', 'timestamp', 'url',
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
export const DEFAULT_HEADERS = '{\n  "Content-Type": "application/json"\n}'

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

export function webhookFormOf(webhook: Webhook | null): WebhookForm {
  if (!webhook) {
    return { name: '', description: '', url: '', method: 'POST', body: DEFAULT_BODY, headers: DEFAULT_HEADERS, events: [], enabled: true }
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
 * 422, so the words under the field are the server's, the same as for every other field. */
export function webhookBodyOf(form: WebhookForm): WebhookBody {
  let headers: unknown = form.headers
  try {
    headers = JSON.parse(form.headers)
  } catch {
    // left as text on purpose
  }
  return { ...form, events: [...form.events], headers: headers as WebhookBody['headers'] }
}

const base = (department_id: string) => ({ params: { path: { department_id } } })
const one = (department_id: string, webhook_id: string) => ({ params: { path: { department_id, webhook_id } } })
const WEBHOOKS = '/api/notifications/departments/{department_id}/webhooks'
const WEBHOOK = '/api/notifications/departments/{department_id}/webhooks/{webhook_id}'

export function listWebhooks(departmentId: string): Promise<Outcome<Webhook[]>> {
  return outcome(api.GET(WEBHOOKS, base(departmentId)))
}

export function createWebhook(departmentId: string, body: WebhookBody): Promise<Outcome<WebhookCreated>> {
  return outcome(api.POST(WEBHOOKS, { ...base(departmentId), body }))
}

export function changeWebhook(departmentId: string, webhookId: string, body: WebhookBody): Promise<Outcome<Webhook>> {
  return outcome(api.PATCH(WEBHOOK, { ...one(departmentId, webhookId), body }))
}

export function deleteWebhook(departmentId: string, webhookId: string): Promise<Outcome<unknown>> {
  return outcome(api.DELETE(WEBHOOK, one(departmentId, webhookId)))
}

export async function rotateSecret(departmentId: string, webhookId: string): Promise<Outcome<string>> {
  const answer = await outcome(api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/rotate-secret', one(departmentId, webhookId)))
  return answer.ok ? { ok: true, data: answer.data.secret } : answer
}

export function testWebhook(departmentId: string, webhookId: string): Promise<Outcome<WebhookTestResult>> {
  return outcome(api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/test', one(departmentId, webhookId)))
}

export const DELIVERY_PAGE = 20

/** One page of the delivery log, newest first; `before`: the last id of the page before. */
export function listDeliveries(departmentId: string, webhookId: string, before?: string): Promise<Outcome<Delivery[]>> {
  return outcome(
    api.GET('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/deliveries', {
      params: { path: { department_id: departmentId, webhook_id: webhookId }, query: { limit: DELIVERY_PAGE, before } },
    }),
  )
}

export function redeliver(departmentId: string, webhookId: string, deliveryId: string): Promise<Outcome<Delivery>> {
  return outcome(
    api.POST('/api/notifications/departments/{department_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver', {
      params: { path: { department_id: departmentId, webhook_id: webhookId, delivery_id: deliveryId } },
    }),
  )
}
