// The one confirmation every hard delete of the manual asks (departments, customers, contacts ...):
// it names the record, says it cannot be undone, and lists what goes with it.
import { useConfirm } from 'primevue/useconfirm'

export interface HardDelete {
  /** What is deleted, in words: "the department 'Support'". */
  what: string
  /** What is removed with it (a customer's cascade), shown as a sentence after the warning. */
  cascade?: string
  /** Runs only when the operator confirms. */
  accept: () => void | Promise<void>
}

export function useHardDelete(): (request: HardDelete) => void {
  const confirm = useConfirm()
  return ({ what, cascade, accept }) =>
    confirm.require({
      header: 'Delete permanently?',
      message: `This is a hard delete: ${what} is removed permanently and cannot be undone.${cascade ? ` ${cascade}` : ''}`,
      icon: 'pi pi-exclamation-triangle',
      rejectProps: { label: 'Cancel', severity: 'secondary', outlined: true },
      acceptProps: { label: 'Delete permanently', severity: 'danger' },
      accept: () => void accept(),
    })
}
