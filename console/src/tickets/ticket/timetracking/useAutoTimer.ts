// The auto-timer of the open ticket (10.4, 10.8; docs/timetracking.md): opening the ticket sends a
// heartbeat (the time tracker starts the timer where the department enabled it), the operator's work in
// the dialog sends one at most every 30 s, closing the dialog or the tab stops it. The server decides;
// this shows what it answered, timed on the server's clock (its `now` against the browser's), so the
// confirm prompt and the pause come when the server says they do even if the two clocks differ.
import { computed, onBeforeUnmount, reactive, watch, type Ref } from 'vue'
import { api, type Schemas } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type TimerAnswer = Schemas['timetracking__TimerOut']

export type TimerView =
  | { kind: 'loading' }
  | { kind: 'unavailable'; problem: Problem }
  | { kind: 'disabled' }
  | { kind: 'stopped' }
  | { kind: 'blocked'; until: string }
  | { kind: 'running'; since: string; elapsed: number }
  | { kind: 'confirmation_due'; since: string; due: string; elapsed: number }
  /** Idle longer than the idle timeout: the entry ended at the last activity. */
  | { kind: 'paused'; at: string; idleMinutes: number }
  /** Not confirmed within the idle timeout after it fell due: the entry ended at the due time. */
  | { kind: 'unconfirmed'; at: string }

const HEARTBEAT_EVERY_MS = 30_000
const AGAIN_AFTER_UNKNOWN_MS = 2_000
const UNKNOWN_TRIES = 30
const TRUSTED_ROUND_TRIP_MS = 5_000
// Work, not presence: a pointer that only moves is left out (browsers also send moves of their own
// when the page changes under a pointer that stands still).
const ACTIVITY = ['keydown', 'pointerdown', 'input', 'wheel'] as const
type Call = 'heartbeat' | 'confirm' | 'stop'

/** What the answer means at the server's time `now` (ms). */
export function viewAt(answer: TimerAnswer | null, problem: Problem | null, now: number): TimerView {
  if (problem) return { kind: 'unavailable', problem }
  if (!answer) return { kind: 'loading' }
  if (answer.state === 'disabled') return { kind: 'disabled' }
  if (answer.state === 'stopped' || !answer.entry || !answer.last_activity_at || !answer.confirm_due_at) {
    return answer.blocked_until ? { kind: 'blocked', until: answer.blocked_until } : { kind: 'stopped' }
  }
  const since = answer.entry.started_at
  const due = Date.parse(answer.confirm_due_at)
  const lastActivity = Date.parse(answer.last_activity_at)
  if (now > lastActivity + answer.idle_timeout_minutes * 60_000) {
    return lastActivity >= due
      ? { kind: 'unconfirmed', at: answer.confirm_due_at }
      : { kind: 'paused', at: answer.last_activity_at, idleMinutes: answer.idle_timeout_minutes }
  }
  const elapsed = (Math.min(now, due) - Date.parse(since)) / 1000
  if (now >= due) return { kind: 'confirmation_due', since, due: answer.confirm_due_at, elapsed }
  return { kind: 'running', since, elapsed }
}

export function useAutoTimer(ticketId: Ref<string | null>) {
  const state = reactive({
    answer: null as TimerAnswer | null,
    problem: null as Problem | null,
    /** The server's time as last ticked (ms): what the view is computed at. */
    now: Date.now(),
    /** Counts the answers after which the ticket's entries changed (one booked, one started). */
    changes: 0,
    confirming: false,
  })
  // The server's clock minus the browser's, from the last answer.
  let offset = 0
  let lastSent = 0
  let lastActivity = 0
  let unknownTries = 0
  let trailing: ReturnType<typeof setTimeout> | null = null
  let later: ReturnType<typeof setTimeout> | null = null
  let closed = false

  const serverNow = () => Date.now() + offset
  const view = computed(() => viewAt(state.answer, state.problem, state.now))
  const ticker = setInterval(() => (state.now = serverNow()), 1000)

  function clearTimers(): void {
    if (trailing) clearTimeout(trailing)
    if (later) clearTimeout(later)
    trailing = later = null
  }

  // One call at a time, answered in the order sent: a heartbeat sent by the click on Confirm must not
  // answer "confirmation due" after the confirmation's own answer. A stop goes at once (the page may be
  // going away).
  let queue: Promise<void> = Promise.resolve()
  let queued = 0

  function call(what: Call, id: string): Promise<void> {
    if (what === 'stop') return send(what, id)
    queued++
    queue = queue.then(() => send(what, id)).finally(() => void queued--)
    return queue
  }

  async function send(what: Call, id: string): Promise<void> {
    const sentAt = Date.now()
    // A confirmation is activity too, to the server.
    if (what !== 'stop') lastSent = sentAt
    const path = { params: { path: { ticket_id: id } } }
    const answer = await outcome(
      what === 'heartbeat'
        ? api.POST('/api/time/tickets/{ticket_id}/timer/heartbeat', path)
        : what === 'confirm'
          ? api.POST('/api/time/tickets/{ticket_id}/timer/confirm', path)
          : api.POST('/api/time/tickets/{ticket_id}/timer/stop', { ...path, keepalive: true }),
    )
    if (closed || ticketId.value !== id || what === 'stop') return
    if (!answer.ok) {
      // A ticket created a moment ago reaches the time tracker shortly after (from ticketing's events).
      if (answer.problem.status === 404 && unknownTries++ < UNKNOWN_TRIES) {
        later = setTimeout(() => void call('heartbeat', id), AGAIN_AFTER_UNKNOWN_MS)
        return
      }
      state.problem = answer.problem
      return
    }
    unknownTries = 0
    // Half the round trip is the best guess of when the server read its clock; a long one (the laptop
    // slept meanwhile) says little, so it only gives the first guess.
    const roundTrip = Date.now() - sentAt
    if (!state.answer || roundTrip <= TRUSTED_ROUND_TRIP_MS) offset = Date.parse(answer.data.now) - (sentAt + Date.now()) / 2
    const before = state.answer?.entry?.id ?? null
    state.answer = answer.data
    state.problem = null
    state.now = serverNow()
    if (what === 'confirm' || (answer.data.entry?.id ?? null) !== before) state.changes++
    if (answer.data.blocked_until) {
      // Booked by hand up to a later time: the timer may start once that entry has ended.
      if (later) clearTimeout(later)
      later = setTimeout(() => void call('heartbeat', id), Math.max(0, Date.parse(answer.data.blocked_until) - serverNow()) + 1000)
    }
  }

  /** The operator did something in the dialog. */
  function active(): void {
    const id = ticketId.value
    lastActivity = Date.now()
    if (!id || state.answer?.state === 'disabled') return
    const kind = viewAt(state.answer, state.problem, serverNow()).kind
    // A paused or stopped timer starts again with this interaction, not half a minute later.
    const starts = kind === 'paused' || kind === 'unconfirmed' || kind === 'stopped'
    const wait = Math.max(lastSent + HEARTBEAT_EVERY_MS - lastActivity, 1000)
    if (!queued && (starts || lastActivity >= lastSent + HEARTBEAT_EVERY_MS)) {
      if (trailing) clearTimeout(trailing)
      trailing = null
      void call('heartbeat', id)
    } else if (!trailing) {
      trailing = setTimeout(() => {
        trailing = null
        // Only recent work counts: a late timer (a sleeping laptop, a throttled background tab) would
        // report work that ended long ago, and the next interaction tells the server soon enough.
        if (lastActivity > lastSent && Date.now() - lastActivity <= HEARTBEAT_EVERY_MS && ticketId.value === id) {
          void call('heartbeat', id)
        }
      }, wait)
    }
  }

  async function confirm(): Promise<void> {
    const id = ticketId.value
    if (!id) return
    state.confirming = true
    await call('confirm', id)
    state.confirming = false
  }

  /** Closing the dialog (or the tab: keepalive lets the request outlive the page) ends the entry. Sent
   * before the first answer too: a timer it leaves behind (the heartbeat came second) lasted no time, and
   * the sweep drops it. */
  function stop(id: string | null): void {
    clearTimers()
    if (id && state.answer?.state !== 'disabled') void call('stop', id)
  }

  function open(id: string): void {
    state.answer = null
    state.problem = null
    unknownTries = 0
    void call('heartbeat', id)
  }

  function leavePage(): void {
    stop(ticketId.value)
  }

  function backToPage(event: PageTransitionEvent): void {
    // Restored from the back-forward cache: the dialog is open again, as if just opened.
    if (event.persisted && ticketId.value) open(ticketId.value)
  }

  for (const type of ACTIVITY) document.addEventListener(type, active, { capture: true, passive: true })
  window.addEventListener('pagehide', leavePage)
  window.addEventListener('pageshow', backToPage)

  watch(
    ticketId,
    (now, before) => {
      if (before) stop(before)
      if (now) open(now)
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    stop(ticketId.value)
    closed = true
    clearInterval(ticker)
    for (const type of ACTIVITY) document.removeEventListener(type, active, { capture: true })
    window.removeEventListener('pagehide', leavePage)
    window.removeEventListener('pageshow', backToPage)
  })

  return { state, view, confirm, active }
}

export type AutoTimer = ReturnType<typeof useAutoTimer>
