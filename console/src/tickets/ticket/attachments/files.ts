// A ticket's files: the one upload call (the composer and the Attachments tab both use it), the
// addresses of a file's download and view, and sizes in words.
import { api, type Schemas } from '@/api/client'
import { outcome, type Outcome } from '@/api/outcome'
import { randomId } from '@/shared/ids'

export type Attachment = Schemas['ticketing__AttachmentOut']

/** The request body is the file itself (not multipart); the key makes a retried upload safe. */
export function uploadFile(number: string, file: File, commentId?: string): Promise<Outcome<Attachment>> {
  return outcome(
    api.POST('/api/tickets/{number}/attachments', {
      params: {
        path: { number },
        query: { name: file.name, comment_id: commentId },
        header: { 'Idempotency-Key': randomId() },
      },
      body: file as unknown as undefined,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'Content-Type': file.type || 'application/octet-stream' },
    }),
  ) as Promise<Outcome<Attachment>>
}

export function downloadUrl(number: string, attachment: Attachment): string {
  return `/api/tickets/${encodeURIComponent(number)}/attachments/${attachment.id}/download`
}

/** The file as text (the server answers text/plain, so nothing in it is ever parsed as HTML). */
export function viewText(number: string, attachment: Attachment): Promise<Outcome<string>> {
  return outcome(
    api.GET('/api/tickets/{number}/attachments/{attachment_id}/view', {
      params: { path: { number, attachment_id: attachment.id } },
      parseAs: 'text',
    }),
  ) as Promise<Outcome<string>>
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB']

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`
}
