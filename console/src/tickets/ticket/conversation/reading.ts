// A conversation's two reads (its messages and the files that came with them). The dialog starts
// them the moment a ticket is opened, beside the ticket's own read, instead of after the ticket has
// been drawn (make bench-console: opening a ticket of 200 messages); the tab takes them up.
import { api } from '@/api/client'
import { outcome, type Outcome } from '@/api/outcome'
import type { Attachment } from '../attachments/files'
import type { Comment } from './conversation'

export type Conversation = [Outcome<Comment[]>, Outcome<Attachment[]>]

const started = new Map<string, Promise<Conversation>>()

function read(number: string): Promise<Conversation> {
  const path = { number }
  return Promise.all([
    outcome(api.GET('/api/tickets/{number}/comments', { params: { path } })),
    outcome(api.GET('/api/tickets/{number}/attachments', { params: { path } })),
  ])
}

export function startReading(number: string): void {
  started.set(number, read(number))
}

/** The reads started for this ticket if any (once), else fresh ones. */
export function conversationOf(number: string): Promise<Conversation> {
  const early = started.get(number)
  started.delete(number)
  return early ?? read(number)
}
