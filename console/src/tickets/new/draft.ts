// New Ticket's draft survives a reload (localStorage, per operator) until the ticket is created.
import type { BodyFormat } from '@/shared/BodyEditor.vue'
import type { TicketPriority } from '../labels'

export interface NewTicketDraft {
  title: string
  department_id: string | null
  priority: TicketPriority
  contact_id: string | null
  contact_email: string
  assignee_id: string | null
  type_id: string | null
  body: string
  body_format: BodyFormat
}

export function emptyDraft(): NewTicketDraft {
  return {
    title: '',
    department_id: null,
    priority: 'medium',
    contact_id: null,
    contact_email: '',
    assignee_id: null,
    type_id: null,
    body: '',
    body_format: 'rich_text',
  }
}

function key(username: string): string {
  return `helpdesk.new-ticket-draft.${username}`
}

export function readDraft(username: string): NewTicketDraft {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(key(username)) ?? 'null')
    return stored && typeof stored === 'object' ? { ...emptyDraft(), ...(stored as Partial<NewTicketDraft>) } : emptyDraft()
  } catch {
    return emptyDraft()
  }
}

export function writeDraft(username: string, draft: NewTicketDraft): void {
  localStorage.setItem(key(username), JSON.stringify(draft))
}

export function clearDraft(username: string): void {
  localStorage.removeItem(key(username))
}
