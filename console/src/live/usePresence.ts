// This operator's presence on one ticket: viewing while the dialog is open, composing while they type
// a reply, renewed before its time to live runs out, and left when the dialog closes. A ticket the
// notifier has not heard of yet (created a moment ago) is announced again shortly.
import { onBeforeUnmount, watch, type Ref } from 'vue'
import { api } from '@/api/client'

const QUIET_AFTER_TYPING_MS = 10_000
const AGAIN_AFTER_FAILURE_MS = 2_000

type State = 'viewing' | 'composing'

export function usePresence(ticketId: Ref<string | null>) {
  let state: State = 'viewing'
  let renew: ReturnType<typeof setTimeout> | null = null
  let quiet: ReturnType<typeof setTimeout> | null = null
  let closed = false

  async function announce(id: string): Promise<void> {
    if (renew) clearTimeout(renew)
    const answer = await api.POST('/api/notifications/live/presence', { body: { ticket_id: id, state } })
    // Left meanwhile, or another ticket: this one is no longer announced.
    if (closed || ticketId.value !== id) return
    const ttl = answer.data?.ttl_seconds
    renew = setTimeout(() => void announce(id), ttl ? (ttl * 1000) / 3 : AGAIN_AFTER_FAILURE_MS)
  }

  function leave(id: string | null): void {
    if (renew) clearTimeout(renew)
    if (quiet) clearTimeout(quiet)
    renew = quiet = null
    if (id) void api.POST('/api/notifications/live/presence', { body: { ticket_id: id, state: 'left' } })
  }

  /** Something was typed: composing now, viewing again after a quiet while. */
  function typed(): void {
    const id = ticketId.value
    if (!id) return
    if (state !== 'composing') {
      state = 'composing'
      void announce(id)
    }
    if (quiet) clearTimeout(quiet)
    quiet = setTimeout(() => {
      state = 'viewing'
      void announce(id)
    }, QUIET_AFTER_TYPING_MS)
  }

  watch(
    ticketId,
    (now, before) => {
      leave(before ?? null)
      state = 'viewing'
      if (now) void announce(now)
    },
    { immediate: true },
  )
  onBeforeUnmount(() => {
    closed = true
    leave(ticketId.value)
  })
  return { typed }
}
