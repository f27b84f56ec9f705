// The operator's live updates (/api/notifications/live): one EventSource for the whole console while
// signed in. It holds the unread counter and who is on which ticket, and tells listeners of ticket
// events (the queue's toasts and refresh). EventSource reconnects by itself with Last-Event-ID, so
// nothing is missed across a dropped connection; `resync` asks listeners to read everything again.
import { reactive } from 'vue'

export interface LiveTicket {
  id: string
  number: string
  title: string
  status: string
  department_id: string | null
}

export interface LiveTicketEvent {
  type: string
  ticket: LiveTicket
  actor_id?: string | null
  comment?: { direction: 'inbound' | 'outbound' | 'internal'; author_name: string | null; excerpt: string }
}

export interface OnTicket {
  operator_id: string
  username: string
  state: 'viewing' | 'composing'
}

type Listener = (event: LiveTicketEvent | 'resync') => void

const TICKET_EVENTS = [
  'ticket_created',
  'ticket_updated',
  'ticket_assigned',
  'ticket_closed',
  'ticket_deleted',
  'comment_added',
  'sla_warning',
  'sla_breached',
  'auto_closed',
]

export const live = reactive({
  connected: false,
  unread: null as number | null,
  // Per ticket id, the other operators on it.
  presence: {} as Record<string, Record<string, OnTicket>>,
})

// EventSource retries a dropped stream by itself, but gives up on an answer that is not a stream
// (a 503 while the notifier restarts): then the console opens a new one after this pause.
const REOPEN_MS = 5_000

const listeners = new Set<Listener>()
let source: EventSource | null = null
let reopen: ReturnType<typeof setTimeout> | null = null

/** Called with each ticket event (and 'resync'); returns what stops it. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function tell(event: LiveTicketEvent | 'resync'): void {
  for (const listener of listeners) listener(event)
}

export function startLive(): void {
  if (reopen) clearTimeout(reopen)
  reopen = null
  if (source) return
  source = new EventSource('/api/notifications/live')
  source.onopen = () => (live.connected = true)
  source.onerror = () => {
    live.connected = false
    if (source?.readyState === EventSource.CLOSED) {
      source = null
      reopen = setTimeout(startLive, REOPEN_MS)
    }
  }
  for (const name of TICKET_EVENTS) {
    source.addEventListener(name, (message) => tell({ type: name, ...JSON.parse((message as MessageEvent).data) }))
  }
  source.addEventListener('unread', (message) => {
    live.unread = JSON.parse((message as MessageEvent).data).count
  })
  source.addEventListener('presence', (message) => {
    const said = JSON.parse((message as MessageEvent).data)
    const onTicket = { ...(live.presence[said.ticket_id] ?? {}) }
    if (said.state === 'left') delete onTicket[said.operator_id]
    else onTicket[said.operator_id] = { operator_id: said.operator_id, username: said.username, state: said.state }
    live.presence[said.ticket_id] = onTicket
  })
  source.addEventListener('resync', () => {
    // What is on screen may have missed events: presence comes again with the next connection.
    live.presence = {}
    tell('resync')
  })
}

export function stopLive(): void {
  if (reopen) clearTimeout(reopen)
  reopen = null
  source?.close()
  source = null
  live.connected = false
  live.unread = null
  live.presence = {}
}
