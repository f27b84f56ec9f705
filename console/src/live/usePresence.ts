// This operator's presence on one ticket: viewing while the dialog is open, composing while they type
// a reply, renewed before its time to live runs out, and left when the dialog closes.
import { onBeforeUnmount, watch, type Ref } from 'vue'
import { api } from '@/api/client'

const QUIET_AFTER_TYPING_MS = 10_000

export function usePresence(ticketId: Ref<string | null>) {
  let state: 'viewing' | 'composing' = 'viewing'
  let renew: ReturnType<typeof setInterval> | null = null
  let quiet: ReturnType<typeof setTimeout> | null = null

  async function announce(id: string, now: 'viewing' | 'composing' | 'left'): Promise<void> {
    const answer = await api.POST('/api/notifications/live/presence', { body: { ticket_id: id, state: now } })
    const ttl = answer.data?.ttl_seconds
    if (now !== 'left' && ttl && !renew) {
      renew = setInterval(() => void announce(id, state), (ttl * 1000) / 3)
    }
  }

  function stop(id: string | null): void {
    if (renew) clearInterval(renew)
    if (quiet) clearTimeout(quiet)
    renew = quiet = null
    if (id) void announce(id, 'left')
  }

  /** Something was typed: composing now, viewing again after a quiet while. */
  function typed(): void {
    const id = ticketId.value
    if (!id) return
    if (state !== 'composing') {
      state = 'composing'
      void announce(id, state)
    }
    if (quiet) clearTimeout(quiet)
    quiet = setTimeout(() => {
      state = 'viewing'
      void announce(id, state)
    }, QUIET_AFTER_TYPING_MS)
  }

  watch(
    ticketId,
    (now, before) => {
      stop(before ?? null)
      state = 'viewing'
      if (now) void announce(now, state)
    },
    { immediate: true },
  )
  onBeforeUnmount(() => stop(ticketId.value))
  return { typed }
}
