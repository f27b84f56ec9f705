// What the conversation's pieces share: the three directions and how each looks (10.4), one date
// format, and the composer's draft, kept per ticket in localStorage so a reload loses nothing.
import type { Schemas } from '@/api/client'
import type { BodyFormat } from '@/shared/BodyEditor.vue'

export type Comment = Schemas['ticketing__CommentOut']
export type Direction = Comment['direction']
export type Delivery = NonNullable<Comment['delivery']>
export type OutgoingDirection = Schemas['ticketing__CommentCreate']['direction']

export const DIRECTIONS: Record<Direction, { label: string; icon: string }> = {
  internal: { label: 'Internal note', icon: 'pi pi-lock' },
  outbound: { label: 'Outbound', icon: 'pi pi-arrow-up-right' },
  inbound: { label: 'Inbound', icon: 'pi pi-arrow-down-left' },
}

/** How an outbound reply's e-mail stands; retrying and failed show the mail server's own words. */
export const DELIVERY: Record<Delivery['state'], { label: string; icon: string; words: boolean }> = {
  queued: { label: 'Queued to send', icon: 'pi pi-clock', words: false },
  sending: { label: 'Sending', icon: 'pi pi-spinner', words: false },
  sent: { label: 'Sent', icon: 'pi pi-check', words: false },
  retrying: { label: 'Not sent yet, trying again', icon: 'pi pi-refresh', words: true },
  failed: { label: 'Not delivered', icon: 'pi pi-exclamation-triangle', words: true },
}

// One formatter for every message: building one per message is measurable with 200 of them.
const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function when(iso: string): string {
  return WHEN.format(new Date(iso))
}

export interface Draft {
  body: string
  format: BodyFormat
  direction: OutgoingDirection
}

export const EMPTY_DRAFT: Draft = { body: '', format: 'rich_text', direction: 'internal' }

function draftKey(number: string): string {
  return `helpdesk.draft.${number.toUpperCase()}`
}

const FORMATS: readonly BodyFormat[] = ['rich_text', 'html', 'plain_text']

/** The saved draft, or an empty one; whatever is stored is checked, it may be from an older console. */
export function loadDraft(number: string): Draft {
  try {
    const saved = JSON.parse(localStorage.getItem(draftKey(number)) ?? 'null') as Partial<Draft> | null
    if (!saved || typeof saved.body !== 'string') return { ...EMPTY_DRAFT }
    return {
      body: saved.body,
      format: FORMATS.includes(saved.format as BodyFormat) ? (saved.format as BodyFormat) : 'rich_text',
      direction: saved.direction === 'outbound' ? 'outbound' : 'internal',
    }
  } catch {
    return { ...EMPTY_DRAFT }
  }
}

export function saveDraft(number: string, draft: Draft): void {
  try {
    if (draft.body) localStorage.setItem(draftKey(number), JSON.stringify(draft))
    else localStorage.removeItem(draftKey(number))
  } catch {
    // A full or forbidden storage costs only the draft's survival of a reload, not the typing.
  }
}

export function clearDraft(number: string): void {
  try {
    localStorage.removeItem(draftKey(number))
  } catch {
    // As above.
  }
}
