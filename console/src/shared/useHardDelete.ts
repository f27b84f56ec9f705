// The one confirmation every hard delete of the manual asks (departments, customers, contacts ...):
// it names the record, says it cannot be undone, and lists what goes with it.
import { useConfirm } from 'primevue/useconfirm'

/** Aura's danger red under white text is 3.8:1; red-700 passes WCAG AA (4.5:1). Until the theme
 * carries a danger colour as it does the primary one, the delete buttons set it themselves. */
export const DANGER = {
  '--p-button-danger-background': '#b91c1c',
  '--p-button-danger-border-color': '#b91c1c',
  '--p-button-danger-hover-background': '#991b1b',
  '--p-button-danger-hover-border-color': '#991b1b',
  '--p-button-outlined-danger-color': '#b91c1c',
  '--p-button-outlined-danger-border-color': '#b91c1c',
}

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
      // Enter on an open confirmation must not delete.
      defaultFocus: 'reject',
      rejectProps: { label: 'Cancel', severity: 'secondary', outlined: true },
      acceptProps: { label: 'Delete permanently', severity: 'danger', style: DANGER },
      accept: () => void accept(),
    })
}
