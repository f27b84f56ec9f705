// The one confirmation before a delete. Where the manual calls a delete "hard" (templates, labels,
// types, SLAs, ...) the prompt says so in words: the record is gone, there is no undo or bin.
import { useConfirm } from 'primevue/useconfirm'

export interface DeleteQuestion {
  /** What is deleted, as the operator knows it: `the template "Welcome"`. */
  what: string
  hard?: boolean
  /** What else changes (operators who held a role lose its flags, ...). */
  consequence?: string
}

/** Call in setup; the function it returns answers whether the operator confirmed. */
export function useConfirmDelete(): (question: DeleteQuestion) => Promise<boolean> {
  const confirm = useConfirm()
  return ({ what, hard = false, consequence }) =>
    new Promise<boolean>((resolve) => {
      const lead = hard
        ? `This is a hard delete: ${what} is removed permanently and cannot be undone.`
        : `Delete ${what}? This cannot be undone.`
      confirm.require({
        header: hard ? 'Delete permanently?' : 'Delete?',
        // Enter on an open confirmation must not delete.
        defaultFocus: 'reject',
        message: consequence ? `${lead} ${consequence}` : lead,
        icon: 'pi pi-exclamation-triangle',
        rejectProps: { label: 'Cancel', severity: 'secondary', outlined: true },
        acceptProps: { label: hard ? 'Delete permanently' : 'Delete', severity: 'danger' },
        accept: () => resolve(true),
        reject: () => resolve(false),
        onHide: () => resolve(false),
      })
    })
}
