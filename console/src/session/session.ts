// The signed-in operator: who they are and what they may do. Every menu entry, route and control
// asks `can(flag)` here, so a control the operator may not use is never shown as a live button.
import { reactive } from 'vue'
import { api, type Schemas } from '@/api/client'
import { outcome } from '@/api/outcome'
import type { Problem } from '@/api/problems'

export type Operator = Schemas['gateway__OperatorOut']

export const session = reactive({
  operator: null as Operator | null,
  loaded: false,
  ticketModuleEnabled: false,
  // Signed out on purpose: a page still at work (a read in flight, a refresh) must not send the
  // operator back to sign-in with a "return to" that page.
  signedOut: false,
})

export function can(...flags: string[]): boolean {
  const held = session.operator?.effective_flags ?? []
  return flags.every((flag) => held.includes(flag))
}

/** One of `flags` at least: reading incidents takes `incidents.view` or `incidents.manage`. */
export function canAny(...flags: string[]): boolean {
  return flags.some((flag) => can(flag))
}

/** Tickets are reachable only with the module switched on and `tickets_enabled` (10.2). */
export function ticketsOn(): boolean {
  return session.ticketModuleEnabled && can('tickets_enabled')
}

export async function loadSession(): Promise<void> {
  const me = await outcome(api.GET('/api/auth/me'))
  session.operator = me.ok ? me.data : null
  session.ticketModuleEnabled = session.operator ? await readTicketModule() : false
  session.loaded = true
}

async function readTicketModule(): Promise<boolean> {
  if (!can('tickets_enabled')) return false
  const answer = await outcome(api.GET('/api/tickets/module'))
  return answer.ok && answer.data.enabled
}

export async function signIn(username: string, password: string): Promise<Problem | null> {
  const answer = await outcome(api.POST('/api/auth/login', { body: { username, password } }))
  if (!answer.ok) return answer.problem
  session.signedOut = false
  await loadSession()
  return null
}

export async function signOut(): Promise<void> {
  session.signedOut = true
  await outcome(api.POST('/api/auth/logout'))
  session.operator = null
}

export function forgetSession(): void {
  session.operator = null
}
